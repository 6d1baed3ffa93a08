// deserialize(): Keras's deserialize_keras_object (keras/src/saving/serialization_lib.py),
// with kplug's differences (one lookup precedence, path-named errors, kind checks, merged
// scopes; docs/differences-from-keras.md).
// A config never causes code to load: only registered or built-in objects are built.
#include "builtins/catalog.hpp"
#include "kplug/json.hpp"
#include "kplug/scope.hpp"
#include "kplug/serialization.hpp"
#include "kplug/state/saveable.hpp"
#include "registry/registered_object.hpp"
#include "serialization/active_call.hpp"
#include "serialization/custom_lookup.hpp"
#include "serialization/shared_objects.hpp"
#include "serialization/special_values.hpp"
#include "util/suggest.hpp"

#include <algorithm>
#include <array>
#include <new>

namespace kplug {

namespace detail {

RegisteredObjectPtr find_known(std::string_view key, const DeserializeOptions& options) {
  if (auto hit = find_in_scopes(key)) return hit;
  if (auto hit = Registry::global().find(key)) return hit;
  if (auto it = options.custom_objects.find(key); it != options.custom_objects.end()) return it->second;
  return nullptr;
}

RegisteredObjectPtr find_custom(std::string_view key, const DeserializeOptions& options) {
  if (auto hit = find_known(key, options)) return hit;
  if (options.key_provider && key.find('>') != std::string_view::npos && options.key_provider->provide(key)) {
    return find_known(key, options);
  }
  return nullptr;
}

}  // namespace detail

// Bounds recursion: a hostile config cannot exhaust the stack.
class DepthGuard {
 public:
  explicit DepthGuard(DeserializationContext& context) : context_(context) {
    if (++context_.depth_ > context_.options_.max_depth) {
      --context_.depth_;
      throw DeserializationError(
          context_.path_, "config nested deeper than " + std::to_string(context_.options_.max_depth) + " levels");
    }
  }
  ~DepthGuard() { --context_.depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  DeserializationContext& context_;
};

namespace detail {
namespace {
thread_local const DeserializeOptions* t_active = nullptr;
}  // namespace

ActiveCall::ActiveCall(const DeserializeOptions& options) : previous_(t_active) { t_active = &options; }
ActiveCall::~ActiveCall() { t_active = previous_; }
const DeserializeOptions* ActiveCall::outer() noexcept { return t_active; }
}  // namespace detail

namespace {

// The kinds that are subkinds of another (kind_is_a).
constexpr std::array<Kind, 2> kSubkindsOf = {Kind::model, Kind::loss};

// Keras API names that are not modeling objects; a config naming one is refused.
constexpr std::array<std::string_view, 14> kNonModelingApis = {
    "keras.saving.load_model",
    "keras.models.load_model",
    "keras.saving.save_model",
    "keras.models.save_model",
    "keras.saving.load_weights",
    "keras.saving.save_weights",
    "keras.utils.get_file",
    "keras.config.enable_unsafe_deserialization",
    "keras.utils.load_img",
    "keras.preprocessing.image.load_img",
    "keras.models.model_from_json",
    "keras.saving.deserialize_keras_object",
    "keras.utils.deserialize_keras_object",
    "keras.config.set_backend",
};

bool is_keras_module(std::string_view module) { return module == "keras" || module.starts_with("keras."); }

const detail::BuiltinCatalog& catalog() { return detail::BuiltinCatalog::instance(); }

using detail::find_custom;
using detail::find_known;

std::string provider_note(std::string_view key, const DeserializeOptions& options) {
  if (!options.key_provider || key.find('>') == std::string_view::npos) return "";
  return " " + options.key_provider->explain(key);
}

// Keras <= 3.6 saved registered functions by bare name: the first key ending in ">name".
RegisteredObjectPtr find_by_bare_name(std::string_view name, const DeserializeOptions& options) {
  const std::string suffix = ">" + std::string(name);
  auto ends_with_suffix = [&](std::string_view key) { return key.size() > suffix.size() && key.ends_with(suffix); };
  for (const std::string& key : scope_keys()) {
    if (ends_with_suffix(key)) return find_in_scopes(key);
  }
  if (auto hit = Registry::global().find_by_bare_name(name)) return hit->second;
  for (const auto& [key, entry] : options.custom_objects) {
    if (ends_with_suffix(key)) return entry;
  }
  return nullptr;
}

std::vector<std::string> custom_keys(const DeserializeOptions& options) {
  std::vector<std::string> keys = scope_keys();
  for (auto& key : Registry::global().keys()) keys.push_back(std::move(key));
  for (const auto& [key, entry] : options.custom_objects) keys.push_back(key);
  return keys;
}

std::string where_looked(const DeserializeOptions& options, std::string_view builtins) {
  std::string s = " Looked in: ";
  if (has_custom_object_scope()) s += "custom_object_scope (" + std::to_string(scope_keys().size()) + " keys), ";
  s += "the global registry (" + std::to_string(Registry::global().size()) + " keys), ";
  s += "the custom_objects argument (" + std::to_string(options.custom_objects.size()) + " keys)";
  if (!builtins.empty()) s += ", " + std::string(builtins);
  return s + ".";
}

// "losses", "activations", "dtype policies": kind names in messages, pluralised right.
std::string kind_plural(Kind kind) {
  const std::string name(kind_name(kind));
  if (name.ends_with("s")) return name + "es";
  if (name.ends_with("y")) return name.substr(0, name.size() - 1) + "ies";
  return name + "s";
}

// "a loss", "an activation".
std::string with_article(Kind kind) {
  const std::string name(kind_name(kind));
  return (std::string_view("aeiou").find(name.front()) != std::string_view::npos ? "an " : "a ") + name;
}

// Long messages keep their first line short (what, where): each further note on its own line.
std::string next_line(const std::string& note) {
  const std::size_t start = note.find_first_not_of(' ');
  return start == std::string::npos ? "" : "\n  " + note.substr(start);
}

}  // namespace

namespace {

class Resolver {
 public:
  explicit Resolver(DeserializationContext& context) : context_(context), options_(context.options()) {}

  void check_kind(const RegisteredObject& entry, std::optional<Kind> expected, std::string_view name) const {
    if (expected && !kind_is_a(entry.kind, *expected)) {
      throw KindMismatchError(context_.path(), "'" + std::string(name) + "' is " + with_article(entry.kind) + ", but " +
                                                   with_article(*expected) + " was expected here");
    }
  }

  // Keras 3.16's _assert_no_registered_name_for_builtin, for functions as for classes.
  // `resolved_module`.`name` is what the config resolved to; spelled out only when refusing
  // (this runs on every built-in lookup).
  void refuse_registered_name(const std::optional<std::string_view>& registered_name, std::string_view name,
                              std::string_view class_name, std::string_view resolved_module) const {
    if (!registered_name || registered_name->empty() || *registered_name == name || *registered_name == class_name) {
      return;
    }
    throw ConfigError(context_.path_of("registered_name"),
                      "`registered_name=" + std::string(*registered_name) + "` was provided in the config, but '" +
                          std::string(resolved_module) + "." + std::string(name) +
                          "' resolved to a Keras built-in and does not use registered names");
  }

  RegisteredObjectPtr function(std::string_view name, const std::optional<std::string_view>& module,
                               const std::optional<std::string_view>& registered_name,
                               const boost::json::object& full) const {
    if (auto hit = find_custom(name, options_)) {
      if (!hit->is_function()) {
        throw ConfigError(context_.path(), "'" + std::string(name) + "' is a registered class, not a function");
      }
      return hit;
    }
    if (module && is_keras_module(*module) && *module != "keras") {
      refuse_non_modeling(*module, name);
      if (auto hit = catalog().find(*module, name); hit && hit->is_function()) {
        refuse_registered_name(registered_name, name, "function", *module);
        return hit;
      }
    }
    if (module && *module == "builtins") {
      if (auto hit = catalog().find_function(name)) {
        const std::string_view family = hit->kind == Kind::loss     ? "keras.losses"
                                        : hit->kind == Kind::metric ? "keras.metrics"
                                                                    : "keras.activations";
        refuse_registered_name(registered_name, name, "function", family);
        return hit;
      }
    }
    if (name.find('>') == std::string_view::npos) {
      if (auto hit = find_by_bare_name(name, options_); hit && hit->is_function()) return hit;
    }
    std::vector<std::string> candidates = custom_keys(options_);
    for (std::string_view m : {"keras.activations", "keras.losses", "keras.metrics"}) {
      for (auto& n : catalog().names_in_module(m)) candidates.push_back(std::move(n));
    }
    throw UnknownObjectError(
        context_.path(), "Could not locate function '" + std::string(name) +
                             "'. Make sure custom functions are registered (kplug::register_function or a "
                             "loaded plugin)." +
                             where_looked(options_, "the built-in functions") + provider_note(name, options_) +
                             detail::did_you_mean(name, candidates) + " Full object config: " + json::excerpt(full));
  }

  RegisteredObjectPtr cls(std::string_view class_name, const std::optional<std::string_view>& registered_name,
                          const std::optional<std::string_view>& module, bool module_present, std::optional<Kind> kind,
                          const boost::json::object& full) const {
    if (registered_name) {
      if (auto hit = find_custom(*registered_name, options_)) return hit;
    }
    if (module && is_keras_module(*module)) {
      refuse_non_modeling(*module, class_name);
      RegisteredObjectPtr hit = catalog().find(*module, class_name);
      if (!hit && module->starts_with("keras.src.")) hit = catalog().find_class_anywhere(class_name);
      if (hit) {
        refuse_registered_name(registered_name, class_name, class_name, *module);
        return hit;
      }
    }
    // Kind getters (Keras's module_objects) also take configs that name no module.
    if (kind && !module_present) {
      if (auto hit = catalog().find_for_kind(*kind, class_name)) return hit;
    }
    std::vector<std::string> candidates = custom_keys(options_);
    std::string builtins;
    if (module && is_keras_module(*module)) {
      builtins = "the built-ins of '" + std::string(*module) + "'";
      for (auto& n : catalog().names_in_module(*module)) candidates.push_back(std::move(n));
    } else if (kind) {
      builtins = "the built-in " + kind_plural(*kind);
      for (auto& n : catalog().names_for_kind(*kind)) candidates.push_back(std::move(n));
    }
    std::string what = "'" + std::string(class_name) + "'";
    if (registered_name && *registered_name != class_name) {
      what += " (registered_name '" + std::string(*registered_name) + "')";
    }
    std::string module_note;
    if (module && !is_keras_module(*module)) {
      module_note = " The module '" + std::string(*module) + "' is not searched: a config never makes kplug load code.";
    }
    throw UnknownObjectError(
        context_.path(),
        "Could not locate class " + what + "." +
            next_line("Make sure custom classes are registered (kplug::register_serializable or a loaded plugin).") +
            next_line(module_note) + next_line(where_looked(options_, builtins)) +
            next_line(provider_note(registered_name ? *registered_name : class_name, options_)) +
            next_line(detail::did_you_mean(registered_name ? *registered_name : class_name, candidates)) +
            next_line("Full object config: " + json::excerpt(full)));
  }

  // A name given where an object of `kind` is expected ("l1", "relu", "mse", "pkg>Foo").
  RegisteredObjectPtr name_of_kind(std::string_view name, Kind kind) const {
    if (auto hit = find_custom(name, options_)) return hit;
    if (auto hit = catalog().find_for_kind(kind, name)) return hit;
    // A subkind's getter names serve too ("mse" where a metric is expected).
    for (Kind sub : kSubkindsOf) {
      if (sub != kind && kind_is_a(sub, kind)) {
        if (auto hit = catalog().find_for_kind(sub, name)) return hit;
      }
    }
    std::vector<std::string> candidates = catalog().names_for_kind(kind);
    for (auto& key : custom_keys(options_)) candidates.push_back(std::move(key));
    throw UnknownObjectError(
        context_.path(), "Could not interpret " + std::string(kind_name(kind)) + " identifier: '" + std::string(name) +
                             "'." + next_line(where_looked(options_, "the built-in " + kind_plural(kind))) +
                             next_line(provider_note(name, options_)) +
                             next_line(detail::did_you_mean(name, candidates)));
  }

 private:
  void refuse_non_modeling(std::string_view module, std::string_view name) const {
    const auto matches = [&](std::string_view api) {
      return api.size() == module.size() + 1 + name.size() && api.starts_with(module) && api[module.size()] == '.' &&
             api.ends_with(name);
    };
    if (std::any_of(kNonModelingApis.begin(), kNonModelingApis.end(), matches)) {
      const std::string api_name = std::string(module) + "." + std::string(name);
      throw UnsafeObjectError(context_.path(),
                              "Cannot deserialize `" + api_name + "` because it is not a modeling function");
    }
  }

  DeserializationContext& context_;
  const DeserializeOptions& options_;
};

// Runs a class's from_config, giving every failure the object's path.
ObjectPtr build(const RegisteredObject& entry, std::string_view class_name, const boost::json::object& config,
                DeserializationContext& context) {
  if (entry.is_function()) return entry.function;
  if (!entry.from_config) {
    throw DeserializationError(context.path(), "Unable to reconstruct an instance of '" + std::string(class_name) +
                                                   "' because the class is missing a `from_config()` method");
  }
  const std::string object_path = context.path();
  ObjectPtr object;
  {
    DeserializationContext::PathScope scope(context, "config");
    try {
      object = entry.from_config(config, context);
    } catch (const DeserializationError&) {
      throw;
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const NotSupportedError&) {
      throw;
    } catch (const Error& e) {
      throw ConfigError(object_path,
                        "'" + std::string(class_name) + "' could not be deserialized properly: " + e.what());
    } catch (const std::exception& e) {
      throw DeserializationError(object_path, "from_config of '" + std::string(class_name) + "' failed: " + e.what());
    }
  }
  if (!object) {
    throw DeserializationError(object_path, "from_config of '" + std::string(class_name) + "' returned null");
  }
  return object;
}

const boost::json::object& empty_object() {
  static const boost::json::object empty;
  return empty;
}

}  // namespace

Value DeserializationContext::deserialize_value(const boost::json::value& v) {
  DepthGuard guard(*this);
  switch (v.kind()) {
    case boost::json::kind::null: return nullptr;
    case boost::json::kind::bool_: return v.get_bool();
    case boost::json::kind::int64: return v.get_int64();
    case boost::json::kind::uint64: return static_cast<double>(v.get_uint64());
    case boost::json::kind::double_: return v.get_double();
    case boost::json::kind::string: {
      // A string naming a custom function is that function (legacy formats saved functions by name).
      std::string s(v.get_string());
      if (auto hit = find_custom(s, options_); hit && hit->is_function()) return hit->function;
      return s;
    }
    case boost::json::kind::array: {
      Value::List list;
      const auto& array = v.get_array();
      list.reserve(array.size());
      for (std::size_t i = 0; i < array.size(); ++i) {
        PathScope scope(*this, i);
        list.push_back(deserialize_value(array[i]));
      }
      return list;
    }
    case boost::json::kind::object: return deserialize_dict(v.get_object(), std::nullopt);
  }
  return nullptr;
}

ObjectPtr DeserializationContext::deserialize_kind(const boost::json::value& v, Kind kind) {
  DepthGuard guard(*this);
  if (v.is_null()) return nullptr;
  Resolver resolver(*this);
  if (v.is_string()) {
    const std::string_view name(v.get_string());
    RegisteredObjectPtr entry = resolver.name_of_kind(name, kind);
    resolver.check_kind(*entry, kind, name);
    return build(*entry, entry->class_name, empty_object(), *this);
  }
  if (!v.is_object()) {
    throw ConfigError(
        path_, "expected " + with_article(kind) + " (a config dict or a name), got " + std::string(json::type_name(v)));
  }
  Value result = deserialize_dict(v.get_object(), kind);
  if (!result.is<ObjectPtr>()) {
    throw KindMismatchError(path_, "expected " + with_article(kind) + ", got a special value");
  }
  return result.object();
}

namespace {

// The fields of an object dict, found in one pass over its keys.
struct ObjectFields {
  const boost::json::value* class_name = nullptr;
  const boost::json::value* config = nullptr;
  const boost::json::value* module = nullptr;
  const boost::json::value* registered_name = nullptr;
  const boost::json::value* shared_object_id = nullptr;
  const boost::json::value* build_config = nullptr;
  const boost::json::value* compile_config = nullptr;

  explicit ObjectFields(const boost::json::object& dict) {
    for (const auto& item : dict) {
      const std::string_view key = item.key();
      const boost::json::value* v = &item.value();
      if (key == "class_name")
        class_name = v;
      else if (key == "config")
        config = v;
      else if (key == "module")
        module = v;
      else if (key == "registered_name")
        registered_name = v;
      else if (key == "shared_object_id")
        shared_object_id = v;
      else if (key == "build_config")
        build_config = v;
      else if (key == "compile_config")
        compile_config = v;
    }
  }
};

std::optional<std::string_view> string_or_null(const boost::json::value* v, std::string_view key,
                                               const DeserializationContext& context) {
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    throw ConfigError(context.path_of(key), "expected a string or null, got " + std::string(json::type_name(*v)));
  }
  return std::string_view(v->get_string());
}

// A dict that is not an object config: its values deserialized one by one.
Value plain_dict(const boost::json::object& dict, DeserializationContext& context) {
  Value::Dict plain;
  plain.reserve(dict.size());
  for (const auto& item : dict) {
    DeserializationContext::PathScope scope(context, item.key());
    plain.emplace_back(std::string(item.key()), context.deserialize_value(item.value()));
  }
  return plain;
}

std::string_view read_class_name(const ObjectFields& fields, std::optional<Kind> kind,
                                 const DeserializationContext& context) {
  if (!fields.class_name) {
    throw ConfigError(context.path(), "expected " + with_article(*kind) +
                                          " config, a dict with \"class_name\" and \"config\"; this dict has no "
                                          "\"class_name\"");
  }
  if (!fields.class_name->is_string()) {
    throw ConfigError(context.path_of("class_name"),
                      "expected a string, got " + std::string(json::type_name(*fields.class_name)));
  }
  return fields.class_name->get_string();
}

// Shared objects: the first config with an id builds, later ones reuse (same kind only).
struct SharedObject {
  detail::SharedLoadingState* sharing = nullptr;
  std::optional<std::int64_t> id;  // to record the object under, once built
  ObjectPtr seen;                  // built by an earlier config with the same id
};

SharedObject find_shared(const ObjectFields& fields, const RegisteredObject& entry, std::string_view class_name,
                         const DeserializationContext& context) {
  SharedObject shared{detail::active_loading_scope(), std::nullopt, nullptr};
  if (!fields.shared_object_id || !shared.sharing) return shared;
  if (!fields.shared_object_id->is_int64()) {
    throw ConfigError(context.path_of("shared_object_id"),
                      "expected an integer, got " + std::string(json::type_name(*fields.shared_object_id)));
  }
  shared.id = fields.shared_object_id->get_int64();
  if (auto seen = shared.sharing->objects.find(*shared.id); seen != shared.sharing->objects.end()) {
    if (seen->second->kind() != entry.kind) {
      throw KindMismatchError(context.path_of("shared_object_id"),
                              "shared_object_id " + std::to_string(*shared.id) + " was first used for " +
                                  with_article(seen->second->kind()) + ", here for " + with_article(entry.kind) +
                                  " ('" + std::string(class_name) + "')");
    }
    shared.seen = seen->second;
  }
  return shared;
}

}  // namespace

// As Keras's deserialize_keras_object: after from_config, a non-empty build_config builds the
// object and a non-empty compile_config compiles it, through its Saveable hooks.
void DeserializationContext::run_build_hooks(Serializable& object, std::string_view class_name,
                                             const boost::json::value* build_config,
                                             const boost::json::value* compile_config) {
  for (auto [key, value] : {std::pair{std::string_view("build_config"), build_config},
                            std::pair{std::string_view("compile_config"), compile_config}}) {
    if (!value || value->is_null()) continue;
    const auto* dict = value->if_object();
    if (!dict) {
      throw ConfigError(path_of(key), "expected a dict or null, got " + std::string(json::type_name(*value)));
    }
    if (dict->empty()) continue;
    auto* saveable = dynamic_cast<saving::Saveable*>(&object);
    if (!saveable) {
      throw NotSupportedError(path_of(key) + ": a non-empty " + std::string(key) + " for " +
                              with_article(object.kind()) + " ('" + std::string(class_name) +
                              "') is not supported: it has no build or compile hooks (only layers and models "
                              "are built or compiled)");
    }
    PathScope scope(*this, key);
    try {
      if (key == "build_config")
        saveable->build_from_config(*dict);
      else
        saveable->compile_from_config(*dict);
    } catch (const DeserializationError&) {
      throw;
    } catch (const std::bad_alloc&) {
      throw;
    } catch (Error& e) {
      e.add_context(Location::json_path(path_));
      throw;
    } catch (const std::exception& e) {
      throw DeserializationError(path_, "'" + std::string(class_name) + "' failed in " +
                                            (key == "build_config" ? "build_from_config" : "compile_from_config") +
                                            ": " + e.what());
    }
  }
}

Value DeserializationContext::deserialize_dict(const boost::json::object& dict, std::optional<Kind> kind) {
  const ObjectFields fields(dict);
  if (!kind && (!fields.class_name || !fields.config)) return plain_dict(dict, *this);
  const std::string_view class_name = read_class_name(fields, kind, *this);
  const boost::json::value* inner = fields.config;

  if (detail::is_special_class_name(class_name)) {
    if (inner && !inner->is_null() && !inner->is_object()) {
      throw ConfigError(path_of("config"), "expected a dict for " + std::string(class_name) + ", got " +
                                               std::string(json::type_name(*inner)));
    }
    PathScope scope(*this, "config");
    return detail::deserialize_special(class_name, inner && inner->is_object() ? inner->get_object() : empty_object(),
                                       *this);
  }

  const bool module_present = fields.module != nullptr;
  const std::optional<std::string_view> module = string_or_null(fields.module, "module", *this);
  std::optional<std::string_view> registered_name =
      fields.registered_name ? string_or_null(fields.registered_name, "registered_name", *this)
                             : std::optional<std::string_view>(class_name);

  Resolver resolver(*this);
  if (class_name == "function") {
    if (!inner || !inner->is_string()) {
      throw ConfigError(path_of("config"), "Expected 'config' to be a non-null str for a function classname, got " +
                                               std::string(inner ? json::type_name(*inner) : "nothing"));
    }
    const std::string_view name(inner->get_string());
    RegisteredObjectPtr entry = resolver.function(name, module, registered_name, dict);
    resolver.check_kind(*entry, kind, name);
    return entry->function;
  }
  if (inner && !inner->is_null() && !inner->is_object()) {
    throw ConfigError(path_of("config"), "Expected 'config' to be a dict for " + std::string(class_name) + ", got " +
                                             std::string(json::type_name(*inner)));
  }
  const boost::json::object& config = inner && inner->is_object() ? inner->get_object() : empty_object();

  RegisteredObjectPtr entry = resolver.cls(class_name, registered_name, module, module_present, kind, dict);
  resolver.check_kind(*entry, kind, registered_name ? *registered_name : class_name);
  if (entry->is_function()) return entry->function;

  const SharedObject shared = find_shared(fields, *entry, class_name, *this);
  if (shared.seen) return shared.seen;
  ObjectPtr object = build(*entry, class_name, config, *this);
  run_build_hooks(*object, class_name, fields.build_config, fields.compile_config);
  if (shared.id) shared.sharing->objects.emplace(*shared.id, object);
  return object;
}

namespace {

// A nested top-level call keeps the outer call's custom objects and safe mode.
template <class F>
auto with_context(const DeserializeOptions& options, F&& body) {
  const DeserializeOptions* outer = detail::ActiveCall::outer();
  if (!outer) {
    detail::ActiveCall active(options);
    DeserializationContext context(options);
    return body(context);
  }
  DeserializeOptions merged = options;
  merged.safe_mode = options.safe_mode || outer->safe_mode;
  for (const auto& [key, entry] : outer->custom_objects) merged.custom_objects.emplace(key, entry);
  detail::ActiveCall active(merged);
  DeserializationContext context(merged);
  return body(context);
}

}  // namespace

Value deserialize(const boost::json::value& config, const DeserializeOptions& options) {
  return with_context(options, [&](DeserializationContext& context) { return context.deserialize_value(config); });
}

ObjectPtr deserialize_object(const boost::json::value& config, Kind kind, const DeserializeOptions& options) {
  return with_context(options, [&](DeserializationContext& context) { return context.deserialize_kind(config, kind); });
}

}  // namespace kplug
