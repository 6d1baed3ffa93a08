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
  // Keras writes its non-exported classes (Functional, the ops recorded as graph nodes,
  // all in `keras.src.*` modules) with their class name as registered name.
  if (dict["registered_name"].is_null()) {
    const auto* module = dict.if_contains("module");
    if (dynamic_cast<const Functional*>(&layer) ||
        (module && module->is_string() && module->get_string().starts_with("keras.src."))) {
      dict["registered_name"] = dict["class_name"];
    }
  }
  if (auto build_config = layer.build_config()) dict["build_config"] = std::move(*build_config);
  if (const auto* model = dynamic_cast<const Model*>(&layer)) dict["compile_config"] = model->compile_config();
  return v;
}

namespace {

// The deserializer itself hands build_config / compile_config to the layer's Saveable hooks.
LayerPtr deserialize_checked(const boost::json::value& v, DeserializationContext& context) {
  Value result;
  try {
    result = context.deserialize_value(v);
  } catch (const UnknownObjectError& e) {
    const auto* module = v.as_object().if_contains("module");
    if (module && module->is_string() && module->get_string() == "keras.layers") {
      throw UnknownObjectError(
          e.path(), e.message() + " Known layers: " +
                        detail::quoted_list(detail::BuiltinCatalog::instance().names_in_module("keras.layers"), 500) +
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
  return layer;
}

}  // namespace

LayerPtr deserialize_layer(const boost::json::value& v, DeserializationContext& context) {
  if (!v.is_object()) {
    throw ConfigError(context.path(), "expected a layer config dict, got " + std::string(json::type_name(v)));
  }
  return deserialize_checked(v, context);
}

}  // namespace kplug
