#include "kplug/saving/h5_error.hpp"

namespace kplug::h5 {

H5Error::H5Error(std::string file, std::string object, std::string message)
    : FileError(std::move(file), std::move(message), std::move(object)) {}
H5Error::~H5Error() = default;
H5UnsafeError::~H5UnsafeError() = default;
H5NotFoundError::~H5NotFoundError() = default;

}  // namespace kplug::h5
