#include "kplug/saving/h5_error.hpp"

namespace kplug::h5 {

namespace {
std::string describe(const std::string& file, const std::string& object, const std::string& message) {
  std::string out = file.empty() ? std::string("<weights file>") : file;
  if (!object.empty()) out += ": " + object;
  return out + ": " + message;
}
}  // namespace

H5Error::H5Error(std::string file, std::string object, std::string message)
    : Error(describe(file, object, message)),
      file_(std::move(file)),
      object_(std::move(object)),
      message_(std::move(message)) {}
H5Error::~H5Error() = default;
H5UnsafeError::~H5UnsafeError() = default;
H5NotFoundError::~H5NotFoundError() = default;

}  // namespace kplug::h5
