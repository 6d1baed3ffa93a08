#include "kplug/layers/layer_io.hpp"

#include "builtins/catalog.hpp"
#include "kplug/json.hpp"
#include "kplug/models/functional.hpp"
#include "kplug/models/model.hpp"
#include "util/suggest.hpp"

namespace kplug {

boost::json::value serialize_layer(const Layer& layer) {
  boost::json::value v = serialize(layer);
  boost::json::object& dict = v.as_object();
  // Keras writes the (non-exported) Functional class with its registered name.
  if (dynamic_cast<const Functional*>(&layer) && dict["registered_name"].is_null()) dict["registered_name"] = "Functional";
  if (auto build_config = layer.build_config()) dict["build_config"] = std::move(*build_config);
  if (const auto* model = dynamic_cast<const Model*>(&layer)) dict["compile_config"] = model->compile_config();
  return v;
}

namespace {

LayerPtr deserialize_stripped(const boost::json::value& v, const boost::json::value* build_config,
                              const boost::json::value* compile_config, DeserializationContext& context) {
  Value result;
  try {
    result = context.deserialize_value(v);
  } catch (const UnknownObjectError& e) {
    const auto* module = v.as_object().if_contains("module");
    if (module && module->is_string() && module->get_string() == "keras.layers") {
      throw UnknownObjectError(e.path(), e.message() + " Known layers: " +
                                             detail::quoted_list(detail::BuiltinCatalog::instance().names_in_module(
                                                                     "keras.layers"),
                                                                 500) +
                                             ".");
    }
    throw;
  }
  LayerPtr layer = result.is<ObjectPtr>() ? std::dynamic_pointer_cast<Layer>(result.object()) : nullptr;
  if (!layer) {
    std::string got = result.is<ObjectPtr>() ? "a " + std::string(kind_name(result.object()->kind())) : "a plain value";
    throw ConfigError(context.path(), "Unexpected object from deserialization, expected a layer or operation, got " +
                                          got + ": " + json::excerpt(v));
  }
  if (build_config && !build_config->is_null()) {
    DeserializationContext::PathScope scope(context, "build_config");
    const auto* object = build_config->if_object();
    if (!object) throw ConfigError(context.path(), "expected a dict, got " + std::string(json::type_name(*build_config)));
    try {
      layer->build_from_config(*object);
    } catch (const DeserializationError&) {
      throw;
    } catch (const NotSupportedError&) {
      throw;
    } catch (const Error& e) {
      throw ConfigError(context.path(), std::string("could not build layer '") + layer->name() + "': " + e.what());
    }
  }
  if (compile_config && !compile_config->is_null()) {
    auto model = std::dynamic_pointer_cast<Model>(layer);
    if (!model) {
      throw ConfigError(context.path_of("compile_config"), "a compile_config is only valid for a model");
    }
    model->set_compile_config(*compile_config);
  }
  return layer;
}

}  // namespace

LayerPtr deserialize_layer(const boost::json::value& v, DeserializationContext& context) {
  const auto* dict = v.if_object();
  if (!dict) {
    throw ConfigError(context.path(), "expected a layer config dict, got " + std::string(json::type_name(v)));
  }
  const boost::json::value* build_config = dict->if_contains("build_config");
  const boost::json::value* compile_config = dict->if_contains("compile_config");
  // The generic deserializer leaves a layer's build_config and compile_config alone.
  return deserialize_stripped(v, build_config, compile_config, context);
}

}  // namespace kplug
