// kplug's one exception hierarchy. Every error that is about a place in a JSON
// document carries that place as a path such as `config.layers[3].config.kernel_regularizer`.
#pragma once

#include <stdexcept>
#include <string>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// Base of every error kplug throws.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message);
  ~Error() override;
};

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

// A bad argument to a computation (shapes that do not broadcast, an axis out of range).
class ValueError : public Error {
 public:
  using Error::Error;
  ~ValueError() override;
};

}  // namespace kplug
#pragma GCC visibility pop
