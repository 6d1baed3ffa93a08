// serialize(): Keras's serialize_keras_object for kplug objects and values.
#include "builtins/catalog.hpp"
#include "kplug/serialization.hpp"
#include "registry/registered_object.hpp"
#include "serialization/shared_objects.hpp"
#include "serialization/special_values.hpp"

namespace kplug {
namespace {

boost::json::value function_dict(const NamedFunction& fn) {
  boost::json::object dict;
  dict["module"] = "builtins";
  dict["class_name"] = "function";
  dict["config"] = fn.name();
  dict["registered_name"] = "function";
  return dict;
}

void record_for_sharing(const Serializable& object, boost::json::object& dict) {
  auto* scope = detail::active_saving_scope();
  if (!scope) return;
  auto [it, inserted] = scope->records.try_emplace(&object);
  if (inserted) it->second.id = scope->next_id++;
  ++it->second.count;
  // Every recorded dict carries its id; finalize() drops the ids used only once.
  dict["shared_object_id"] = it->second.id;
}

}  // namespace

boost::json::value serialize(const Serializable& object) {
  if (const NamedFunction* fn = as_function(object)) return function_dict(*fn);

  boost::json::object dict;
  dict.reserve(5);
  if (const auto* name = detail::BuiltinCatalog::instance().public_name(typeid(object))) {
    dict.emplace("module", name->module);
    dict.emplace("class_name", name->class_name);
    dict.emplace("config", object.get_config());
    dict.emplace("registered_name", nullptr);
  } else if (auto key = Registry::global().key_of(std::type_index(typeid(object))); key) {
    RegisteredObjectPtr entry = Registry::global().find(*key);
    dict.emplace("module", entry && entry->module ? boost::json::value(*entry->module) : boost::json::value(nullptr));
    dict.emplace("class_name", entry ? entry->class_name : object.class_name());
    dict.emplace("config", object.get_config());
    dict.emplace("registered_name", *key);
  } else {
    // Unregistered custom class: Keras writes its class name as registered_name.
    const std::string class_name = object.class_name();
    dict.emplace("module", nullptr);
    dict.emplace("class_name", class_name);
    dict.emplace("config", object.get_config());
    dict.emplace("registered_name", class_name);
  }
  record_for_sharing(object, dict);
  return dict;
}

boost::json::value serialize(const Value& value) {
  return std::visit(
      [](const auto& v) -> boost::json::value {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
          return v;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return boost::json::string(v);
        } else if constexpr (std::is_same_v<T, Value::List>) {
          boost::json::array out;
          out.reserve(v.size());
          for (const Value& item : v) out.push_back(serialize(item));
          return out;
        } else if constexpr (std::is_same_v<T, Value::Dict>) {
          boost::json::object out;
          for (const auto& [key, item] : v) out[key] = serialize(item);
          return out;
        } else if constexpr (std::is_same_v<T, ObjectPtr>) {
          return serialize(v);
        } else {
          return detail::serialize_special(v);
        }
      },
      value.data);
}

}  // namespace kplug
