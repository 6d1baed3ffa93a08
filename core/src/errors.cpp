#include "kplug/errors.hpp"

namespace kplug {

namespace {
std::string with_path(const std::string& path, const std::string& message) {
  return path.empty() ? message : path + ": " + message;
}
}  // namespace

Error::Error(const std::string& message) : std::runtime_error(message) {}
Error::~Error() = default;
JsonError::~JsonError() = default;

DeserializationError::DeserializationError(std::string path, std::string message)
    : Error(with_path(path, message)), path_(std::move(path)), message_(std::move(message)) {}
DeserializationError::~DeserializationError() = default;

// Out-of-line destructors anchor each class's vtable and type_info in the core
// library, so that plugins catch the same types the core throws.
UnknownObjectError::~UnknownObjectError() = default;
ConfigError::~ConfigError() = default;
UnsafeObjectError::~UnsafeObjectError() = default;
KindMismatchError::~KindMismatchError() = default;
NotSupportedError::~NotSupportedError() = default;
RegistrationError::~RegistrationError() = default;
PluginError::~PluginError() = default;
SerializationError::~SerializationError() = default;
ValueError::~ValueError() = default;

}  // namespace kplug
