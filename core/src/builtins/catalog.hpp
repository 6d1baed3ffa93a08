// The built-in objects (Keras's public modules), by module and by kind. Built once,
// on first use, from one explicit `add_builtin_*` call per kind, never from static
// registrars (a linker may drop those). Immutable afterwards, so lookups take no lock.
#pragma once

#include "kplug/registry.hpp"
#include "registry/registered_object.hpp"

#include <boost/unordered/unordered_flat_map.hpp>

#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <typeindex>
#include <unordered_map>
#include <vector>

namespace kplug::detail {

struct PublicName {
  std::string module;      // "keras.regularizers"
  std::string class_name;  // "L1L2"
};

class CatalogBuilder;

// Hash lookups by string_view without building a std::string.
struct TransparentStringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = boost::unordered_flat_map<std::string, V, TransparentStringHash, std::equal_to<>>;

class BuiltinCatalog {
 public:
  static const BuiltinCatalog& instance();
  // public_names_by_address_ points into public_names_: never copied.
  BuiltinCatalog(const BuiltinCatalog&) = delete;
  BuiltinCatalog& operator=(const BuiltinCatalog&) = delete;

  // `module.name` as Keras exports it ("keras.regularizers", "l1" -> L1).
  RegisteredObjectPtr find(std::string_view module, std::string_view name) const;
  // A function by bare name, searching Keras's BUILTIN_MODULES in their order.
  RegisteredObjectPtr find_function(std::string_view name) const;
  // A class by its canonical name in any module (configs naming an internal `keras.src.*` module).
  RegisteredObjectPtr find_class_anywhere(std::string_view class_name) const;
  // Keras's per-kind ALL_OBJECTS_DICT: class names, snake_case aliases, function names.
  RegisteredObjectPtr find_for_kind(Kind kind, std::string_view name) const;
  // Where a built-in class is exported, for serialization.
  const PublicName* public_name(const std::type_info& type) const;

  // Sorted, for suggestions.
  std::vector<std::string> names_in_module(std::string_view module) const;
  std::vector<std::string> names_for_kind(Kind kind) const;

 private:
  friend class CatalogBuilder;
  BuiltinCatalog();

  // Hash maps: every deserialization and serialization of a built-in looks here.
  StringMap<StringMap<RegisteredObjectPtr>> by_module_;
  std::map<Kind, StringMap<RegisteredObjectPtr>> by_kind_;
  StringMap<RegisteredObjectPtr> classes_by_name_;
  std::unordered_map<std::type_index, PublicName> public_names_;
  // The same by type_info address: no hashing of the mangled name. Types whose type_info
  // lives elsewhere (another library's copy) fall back to public_names_.
  boost::unordered_flat_map<const std::type_info*, const PublicName*> public_names_by_address_;
};

class CatalogBuilder {
 public:
  explicit CatalogBuilder(BuiltinCatalog& catalog) : catalog_(catalog) {}

  // Class T exported as `module.names[0]`; every name (aliases such as "l1_l2") resolves to it.
  template <SerializableClass T>
  void add_class(std::string_view module, std::initializer_list<std::string_view> names) {
    add_class_entry(new_class_entry<T>(), typeid(T), module, names);
  }
  // A function object, exported under its own name and `aliases`.
  void add_function(ObjectPtr function, std::string_view module, std::initializer_list<std::string_view> aliases = {});
  // A name only the kind's string getter knows (Keras's losses.get("mse") style aliases
  // that are not exported symbols).
  void add_kind_alias(Kind kind, std::string_view alias, std::string_view module, std::string_view target);

 private:
  void add_class_entry(std::shared_ptr<RegisteredObject> entry, const std::type_info& type, std::string_view module,
                       std::initializer_list<std::string_view> names);
  void add_name(std::string_view module, std::string_view name, Kind kind, const RegisteredObjectPtr& entry);

  BuiltinCatalog& catalog_;
};

// One per kind, each in its kind's folder.
void add_builtin_activations(CatalogBuilder& builder);
void add_builtin_initializers(CatalogBuilder& builder);
void add_builtin_regularizers(CatalogBuilder& builder);
void add_builtin_constraints(CatalogBuilder& builder);
void add_builtin_losses(CatalogBuilder& builder);
void add_builtin_optimizers(CatalogBuilder& builder);  // core/src/optimizers (and their schedules)
void add_builtin_metrics(CatalogBuilder& builder);     // core/src/metrics
void add_builtin_layers(CatalogBuilder& builder);      // core/src/layers
void add_builtin_models(CatalogBuilder& builder);      // core/src/layers (Sequential, Functional)

}  // namespace kplug::detail
