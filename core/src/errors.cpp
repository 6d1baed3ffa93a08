#include "kplug/errors.hpp"

namespace kplug {

namespace {
std::string with_path(const std::string& path, const std::string& message) {
  return path.empty() ? message : path + ": " + message;
}
}  // namespace

std::string Location::to_string() const {
  switch (type) {
    case Type::json_path: return "at JSON path " + value;
    case Type::file: return "in file '" + value + "'";
    case Type::entry: return "in entry '" + value + "'";
    case Type::dataset: return "in dataset '" + value + "'";
    case Type::layer: return "in layer '" + value + "'";
    case Type::object: return "in object at '" + value + "'";
  }
  return value;
}

struct Error::Context {
  std::vector<Location> locations;
  std::string what;
};

Error::Error(const std::string& message) : std::runtime_error(message) {}
Error::Error(const Error&) noexcept = default;
Error& Error::operator=(const Error&) noexcept = default;
Error::~Error() = default;

const char* Error::what() const noexcept { return context_ ? context_->what.c_str() : std::runtime_error::what(); }

Error& Error::add_context(Location location) {
  auto next = std::make_shared<Context>(context_ ? *context_ : Context{{}, std::runtime_error::what()});
  next->what += "\n  " + location.to_string();
  next->locations.push_back(std::move(location));
  context_ = std::move(next);
  return *this;
}

const std::vector<Location>& Error::locations() const noexcept {
  static const std::vector<Location> none;
  return context_ ? context_->locations : none;
}
JsonError::~JsonError() = default;

DeserializationError::DeserializationError(std::string path, std::string message)
    : Error(with_path(path, message)), path_(std::move(path)), message_(std::move(message)) {}
DeserializationError::~DeserializationError() = default;

namespace {
std::string file_prefix(const std::string& file, const std::string& entry) {
  std::string s = "'" + file + "'";
  if (!entry.empty()) s += " at '" + entry + "'";
  return s;
}
}  // namespace

FileError::FileError(std::string file, std::string message, std::string entry)
    : Error(file_prefix(file, entry) + ": " + message),
      file_(std::move(file)),
      entry_(std::move(entry)),
      message_(std::move(message)) {}
FileError::~FileError() = default;

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
