// The registry of custom objects: Keras's `register_keras_serializable`,
// `get_custom_objects`, `get_registered_name` and `get_registered_object`.
// Keys are "package>name". Unlike Keras, a duplicate key is an error naming both
// registration sites; replacing needs an explicit `replace`.
#pragma once

#include "kplug/errors.hpp"
#include "kplug/object.hpp"

#include <boost/json/object.hpp>

#include <concepts>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeindex>
#include <utility>
#include <vector>
#include "kplug/source_location.hpp"

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

class DeserializationContext;

// Where a key was registered: a source position and its owner (empty for the host
// program, the plugin's path for a plugin).
struct SourceSite {
  std::string file;
  unsigned line = 0;
  std::string owner;

  static SourceSite here(SourceLocation where = SourceLocation::current());
  std::string to_string() const;  // "plugins/x/y.cpp:12 (plugin /path/libx.so)"
};

using ClassFactory = std::function<ObjectPtr(const boost::json::object& config, DeserializationContext& context)>;

// What a key resolves to: a class (built through `from_config`) or a function object.
// Opaque: only libkplug knows its layout (core/src/registry/registered_object.hpp), so
// it can change without breaking plugins; plugins and templates see handles and the
// accessors below.
struct RegisteredObject;
using RegisteredObjectPtr = std::shared_ptr<const RegisteredObject>;

Kind registered_kind(const RegisteredObject& entry) noexcept;
// The class's own name; "function" for functions.
const std::string& registered_class_name(const RegisteredObject& entry) noexcept;
// The "module" serialize writes (classes).
const std::optional<std::string>& registered_module(const RegisteredObject& entry) noexcept;
// The function object (functions); null for classes.
const ObjectPtr& registered_function(const RegisteredObject& entry) noexcept;
bool registered_is_function(const RegisteredObject& entry) noexcept;
const SourceSite& registered_site(const RegisteredObject& entry) noexcept;

// A lookup table of custom objects (the `custom_objects` argument, a scope).
using CustomObjectMap = std::map<std::string, RegisteredObjectPtr, std::less<>>;

// A class kplug can register: serializable, concrete (so it has a get_config), with a kind.
template <class T>
concept SerializableClass = std::derived_from<T, Serializable> && !std::is_abstract_v<T> && requires {
  { T::static_kind } -> std::convertible_to<Kind>;
};

// A class with `static std::shared_ptr<T> from_config(const json::object&, DeserializationContext&)`.
template <class T>
concept HasFromConfig = requires(const boost::json::object& config, DeserializationContext& context) {
  { T::from_config(config, context) } -> std::convertible_to<ObjectPtr>;
};

// Its from_config builds a T, not a base class (whose from_config a subclass inherits).
template <class T>
concept FromConfigBuildsItself = HasFromConfig<T> &&
    requires(const boost::json::object& config, DeserializationContext& context) {
  { T::from_config(config, context) } -> std::convertible_to<std::shared_ptr<T>>;
};

// A new, still mutable class entry. Only core code fills an entry, so the entry's layout
// is never compiled into a plugin; the templates below only wrap the factory.
std::shared_ptr<RegisteredObject> make_class_entry(Kind kind, std::string class_name, std::optional<std::string> module,
                                                   std::type_index type, ClassFactory from_config,
                                                   SourceLocation where);
// The name an entry registers under by default (its class name).
const std::string& default_registered_name(const RegisteredObject& entry);

// A new, still mutable entry for class T.
template <SerializableClass T>
std::shared_ptr<RegisteredObject> new_class_entry(std::optional<std::string> module = std::nullopt,
                                                  SourceLocation where = SourceLocation::current()) {
  static_assert(HasFromConfig<T>,
                "a registered class needs `static std::shared_ptr<T> from_config(const boost::json::object& config, "
                "kplug::DeserializationContext& context)`: without it, what serialize writes could never be read "
                "back");
  if constexpr (HasFromConfig<T>) {  // (without it, the assertion above is the one error)
    static_assert(FromConfigBuildsItself<T>,
                  "T::from_config must build a T: a subclass needs its own from_config (an inherited one "
                  "would build the base class)");
    return make_class_entry(
        T::static_kind, plain_type_name(typeid(T)), std::move(module), std::type_index(typeid(T)),
        [](const boost::json::object& config, DeserializationContext& context) -> ObjectPtr {
          return T::from_config(config, context);
        },
        where);
  } else {
    return nullptr;
  }
}

// An entry for class T (for a custom_objects map, a scope or the registry).
template <SerializableClass T>
RegisteredObjectPtr class_entry(std::optional<std::string> module = std::nullopt,
                                SourceLocation where = SourceLocation::current()) {
  return new_class_entry<T>(std::move(module), where);
}

// A new, still mutable entry for a function object (its name is what it serializes as).
std::shared_ptr<RegisteredObject> new_function_entry(ObjectPtr function,
                                                     SourceLocation where = SourceLocation::current());
// An entry for a function object.
RegisteredObjectPtr function_entry(ObjectPtr function, SourceLocation where = SourceLocation::current());

// "package>name", validated: both parts non-empty, no '>' in either.
std::string make_registered_key(std::string_view package, std::string_view name);

// The process-wide registry. Thread-safe; lookups take a shared lock.
class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  static Registry& global();

  // Adds a key. An existing key is a RegistrationError naming both sites, unless `replace`.
  void add(std::string key, RegisteredObjectPtr entry, bool replace = false);
  // Adds all or none (a plugin's registrations roll back as one).
  void add_all(std::vector<std::pair<std::string, RegisteredObjectPtr>> entries);
  bool erase(std::string_view key);
  // Removes every key whose site owner is `owner`; returns how many.
  std::size_t erase_owned_by(std::string_view owner);
  // The same for several owners in one pass (a plugin host unloading all its plugins).
  std::size_t erase_owned_by(const std::vector<std::string>& owners);
  void clear();

  RegisteredObjectPtr find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // The key a class was registered under, if any (the first when there are several).
  std::optional<std::string> key_of(std::type_index type) const;
  // The first key (in key order) that ends with ">" + name: Keras <= 3.6 saved bare names.
  std::optional<std::pair<std::string, RegisteredObjectPtr>> find_by_bare_name(std::string_view name) const;
  // A snapshot, ordered by key.
  std::vector<std::pair<std::string, RegisteredObjectPtr>> entries() const;
  std::vector<std::string> keys() const;
  std::size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Keras's `get_custom_objects()`: the live global registry (scope entries are not in it).
Registry& get_custom_objects();

struct RegisterOptions {
  std::string package = "Custom";
  std::string name{};                   // default: the class name
  std::optional<std::string> module{};  // written as "module" (Keras: the defining Python module)
  bool replace = false;                 // replace an existing key instead of failing
};

// Keras's `@register_keras_serializable(package, name)` for a class. Returns the key.
template <SerializableClass T>
std::string register_serializable(RegisterOptions options = {}, SourceLocation where = SourceLocation::current()) {
  auto entry = class_entry<T>(std::move(options.module), where);
  std::string key =
      make_registered_key(options.package, options.name.empty() ? default_registered_name(*entry) : options.name);
  Registry::global().add(key, std::move(entry), options.replace);
  return key;
}

// Registers an existing function object under its name (which must be "package>name").
void register_function(ObjectPtr function, bool replace = false, SourceLocation where = SourceLocation::current());

// Keras's `get_registered_name`: the registered key, else the plain name (never empty).
std::string get_registered_name(const Serializable& object);
template <class T>
std::string get_registered_name() {
  auto key = Registry::global().key_of(std::type_index(typeid(T)));
  return key ? *key : plain_type_name(typeid(T));
}

// Keras's `get_registered_object`: scopes, global registry, `custom_objects`, then
// `module_objects`; null when none has the key.
RegisteredObjectPtr get_registered_object(std::string_view key, const CustomObjectMap& custom_objects = {},
                                          const CustomObjectMap& module_objects = {});

}  // namespace kplug
#pragma GCC visibility pop
