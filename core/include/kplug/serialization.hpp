// Keras's `serialize_keras_object` / `deserialize_keras_object`.
//
// Lookup precedence, the same at every depth (kplug's documented difference from
// Keras): custom_object_scope, then the global registry, then the `custom_objects`
// argument, then the built-ins of the module the config names.
#pragma once

#include "kplug/errors.hpp"
#include "kplug/object.hpp"
#include "kplug/registry.hpp"
#include "kplug/value.hpp"

#include <boost/json/value.hpp>

#include <concepts>
#include <type_traits>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// Makes "package>name" keys available on demand (the plugin host loads the indexed
// plugin that declares the package) and explains missing ones in errors.
class KeyProvider {
 public:
  virtual ~KeyProvider();
  // Called for a "package>name" key that no lookup place knows. True: retry the lookup.
  virtual bool provide(std::string_view key) = 0;
  // Appended to the "Could not locate" error: what is loaded, what would provide the key.
  virtual std::string explain(std::string_view key) const = 0;
};

struct DeserializeOptions {
  CustomObjectMap custom_objects;
  // On by default. An explicit true is never switched off by anything in a config.
  bool safe_mode = true;
  // Nesting bound of the deserializer (the JSON parser has its own).
  std::size_t max_depth = 512;
  // Optional: consulted for unknown "package>name" keys (not owned).
  KeyProvider* key_provider = nullptr;
};

// Generic deserialization (Keras's deserialize_keras_object; docs/file-formats.md): plain
// values pass through, object dicts become live objects, special class names become special
// values.
Value deserialize(const boost::json::value& config, const DeserializeOptions& options = {});

// An object of `kind`: a dict, a string shortcut of that kind ("l1", "relu", "mse")
// or null (-> nullptr). The result's kind is checked.
ObjectPtr deserialize_object(const boost::json::value& config, Kind kind, const DeserializeOptions& options = {});

template <class T>
std::shared_ptr<T> deserialize_as(const boost::json::value& config, const DeserializeOptions& options = {}) {
  return std::dynamic_pointer_cast<T>(deserialize_object(config, T::static_kind, options));
}

// The dict Keras writes for an object (built-in, registered, unregistered or function).
boost::json::value serialize(const Serializable& object);
// Any shared pointer to an object; null -> null.
template <class T>
requires std::derived_from<std::remove_cv_t<T>, Serializable> boost::json::value serialize(
    const std::shared_ptr<T>& object) {
  return object ? serialize(static_cast<const Serializable&>(*object)) : boost::json::value(nullptr);
}
boost::json::value serialize(const Value& value);

// What a from_config receives: the call's options, the current JSON path, and
// nested deserialization that keeps both.
class DeserializationContext {
 public:
  explicit DeserializationContext(const DeserializeOptions& options);
  ~DeserializationContext();
  DeserializationContext(const DeserializationContext&) = delete;
  DeserializationContext& operator=(const DeserializationContext&) = delete;

  const DeserializeOptions& options() const noexcept { return options_; }
  bool safe_mode() const noexcept { return options_.safe_mode; }
  // The JSON path of what is being read, e.g. "config.layers[3].config".
  const std::string& path() const noexcept { return path_; }
  // `path()` + "." + field (or "[i]"): for error messages.
  std::string path_of(std::string_view field) const;
  std::string path_of(std::size_t index) const;

  // Appends a path component for its lifetime.
  class PathScope {
   public:
    PathScope(DeserializationContext& context, std::string_view field);
    PathScope(DeserializationContext& context, std::size_t index);
    ~PathScope();
    PathScope(const PathScope&) = delete;
    PathScope& operator=(const PathScope&) = delete;

   private:
    DeserializationContext& context_;
    std::size_t old_size_;
  };

  // Generic deserialization of `v`, found at `field` of the current object's config.
  Value value(const boost::json::value& v, std::string_view field);
  // An object of `kind` at `field` (dict, string shortcut or null -> nullptr).
  ObjectPtr object(const boost::json::value& v, std::string_view field, Kind kind);
  template <class T>
  std::shared_ptr<T> object(const boost::json::value& v, std::string_view field) {
    auto obj = object(v, field, T::static_kind);
    return checked_cast<T>(std::move(obj), field);
  }

  // Generic deserialization of `v` at the current path.
  Value deserialize_value(const boost::json::value& v);
  // An object of `kind` (dict, name or null) at the current path.
  ObjectPtr deserialize_kind(const boost::json::value& v, Kind kind);

 private:
  template <class T>
  std::shared_ptr<T> checked_cast(ObjectPtr obj, std::string_view field) {
    if (!obj) return nullptr;
    if (auto typed = std::dynamic_pointer_cast<T>(obj)) return typed;
    throw_wrong_type(field, *obj);
  }
  [[noreturn]] void throw_wrong_type(std::string_view field, const Serializable& obj) const;
  Value deserialize_dict(const boost::json::object& dict, std::optional<Kind> kind);
  void run_build_hooks(Serializable& object, std::string_view class_name, const boost::json::value* build_config,
                       const boost::json::value* compile_config);
  friend class DepthGuard;

  const DeserializeOptions& options_;
  std::string path_;
  std::size_t depth_ = 0;
};

namespace detail {
// The scopes' state: defined in core/src only, so its layout is not part of the ABI.
struct SharedSavingState;
struct SharedLoadingState;
}  // namespace detail

// Keras's ObjectSharingScope, saving side: inside it, an object serialized twice
// gets the same "shared_object_id" in both dicts. Thread-local, RAII; `finalize`
// drops ids of objects that were serialized only once.
class SharedObjectSavingScope {
 public:
  SharedObjectSavingScope();
  ~SharedObjectSavingScope();
  SharedObjectSavingScope(const SharedObjectSavingScope&) = delete;
  SharedObjectSavingScope& operator=(const SharedObjectSavingScope&) = delete;
  void finalize(boost::json::value& document) const;

 private:
  std::unique_ptr<detail::SharedSavingState> state_;
  detail::SharedSavingState* previous_;
};

// Loading side: the first config with an id builds the object, later configs with
// that id return the same instance (kplug: of the same kind, else an error).
class SharedObjectLoadingScope {
 public:
  SharedObjectLoadingScope();
  ~SharedObjectLoadingScope();
  SharedObjectLoadingScope(const SharedObjectLoadingScope&) = delete;
  SharedObjectLoadingScope& operator=(const SharedObjectLoadingScope&) = delete;

 private:
  std::unique_ptr<detail::SharedLoadingState> state_;
  detail::SharedLoadingState* previous_;
};

// Serializes with object sharing: one saving scope around one document.
boost::json::value serialize_shared(const Serializable& object);

}  // namespace kplug
#pragma GCC visibility pop
