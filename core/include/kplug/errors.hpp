// kplug's one exception hierarchy. Every error that is about a place in a JSON
// document carries that place as a path such as `config.layers[3].config.kernel_regularizer`.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// One place an error happened in, from the innermost outwards: the JSON path of a config,
// a file and the entry or dataset inside it, the layer being called, the saveable object
// being saved or loaded.
struct Location {
  enum class Type { json_path, file, entry, dataset, layer, object };
  Type type = Type::json_path;
  std::string value;

  static Location json_path(std::string path) { return {Type::json_path, std::move(path)}; }
  static Location file(std::string path) { return {Type::file, std::move(path)}; }
  static Location entry(std::string name) { return {Type::entry, std::move(name)}; }
  static Location dataset(std::string path) { return {Type::dataset, std::move(path)}; }
  static Location layer(std::string name) { return {Type::layer, std::move(name)}; }
  static Location object(std::string path) { return {Type::object, std::move(path)}; }
  std::string to_string() const;  // "in file 'model.weights.h5'", "in layer 'dense_1'", ...
};

// Base of every error kplug throws. Code that knows where it is adds a location while the
// error passes through (`catch (Error& e) { e.add_context(...); throw; }`); what() is the
// message followed by one line per location, innermost first.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message);
  Error(const Error&) noexcept;
  Error& operator=(const Error&) noexcept;
  ~Error() override;

  const char* what() const noexcept override;
  // The message without the locations.
  const char* plain_message() const noexcept { return std::runtime_error::what(); }
  // Appends an outer location.
  Error& add_context(Location location);
  // Innermost first. Empty unless someone added context.
  const std::vector<Location>& locations() const noexcept;

 private:
  struct Context;
  // Shared and copied on write: exceptions must copy without throwing.
  std::shared_ptr<const Context> context_;
};

// Runs `body`; a kplug::Error escaping it gets `location` added.
template <class F>
decltype(auto) with_location(const Location& location, F&& body) {
  try {
    return body();
  } catch (Error& e) {
    e.add_context(location);
    throw;
  }
}

// A JSON text that cannot be parsed (syntax, depth, size).
class JsonError : public Error {
 public:
  using Error::Error;
  ~JsonError() override;
};

// Something wrong at a place of a config. `what()` is "<path>: <message>".
class DeserializationError : public Error {
 public:
  DeserializationError(std::string path, std::string message);
  ~DeserializationError() override;
  const std::string& path() const noexcept { return path_; }
  const std::string& message() const noexcept { return message_; }

 private:
  std::string path_;
  std::string message_;
};

// A class or function key that no lookup place knows ("Could not locate ...").
class UnknownObjectError : public DeserializationError {
 public:
  using DeserializationError::DeserializationError;
  ~UnknownObjectError() override;
};

// A config value of the wrong type, a missing or an unexpected argument.
class ConfigError : public DeserializationError {
 public:
  using DeserializationError::DeserializationError;
  ~ConfigError() override;
};

// Refused by safe mode (`__lambda__`, code or file loading named by a config).
class UnsafeObjectError : public DeserializationError {
 public:
  using DeserializationError::DeserializationError;
  ~UnsafeObjectError() override;
};

// The object resolved, but it is not of the kind the caller expected.
class KindMismatchError : public DeserializationError {
 public:
  using DeserializationError::DeserializationError;
  ~KindMismatchError() override;
};

// A Keras feature kplug deliberately or not yet implements.
class NotSupportedError : public Error {
 public:
  using Error::Error;
  ~NotSupportedError() override;
};

// Registry misuse: a duplicate key, an invalid package or name.
class RegistrationError : public Error {
 public:
  using Error::Error;
  ~RegistrationError() override;
};

// A plugin that cannot be listed, loaded, registered or unloaded. Names the plugin.
class PluginError : public Error {
 public:
  using Error::Error;
  ~PluginError() override;
};

// An object that cannot be turned into a config.
class SerializationError : public Error {
 public:
  using Error::Error;
  ~SerializationError() override;
};

// Reading or writing a file failed. Names the file and, when known, the entry (an archive
// member) or dataset inside it: what() is "'<file>' at '<entry>': <message>".
class FileError : public Error {
 public:
  FileError(std::string file, std::string message, std::string entry = {});
  ~FileError() override;
  const std::string& file() const noexcept { return file_; }
  const std::string& entry() const noexcept { return entry_; }  // empty: the whole file
  const std::string& message() const noexcept { return message_; }

 private:
  std::string file_;
  std::string entry_;
  std::string message_;
};

// A bad argument to a computation (shapes that do not broadcast, an axis out of range).
class ValueError : public Error {
 public:
  using Error::Error;
  ~ValueError() override;
};

}  // namespace kplug
#pragma GCC visibility pop
