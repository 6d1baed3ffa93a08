// The legacy config form Keras writes in `.h5` files (use_legacy_config=True): Sequential
// and Functional serialize their layers with keras.src.legacy.saving.serialization's
// serialize_keras_object, {class_name: registered name, config: get_config()}; the compile
// arguments go through saving_utils._serialize_nested_config.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/models/functional.hpp"
#include "kplug/models/sequential.hpp"
#include "kplug/saving/legacy_h5_writer.hpp"

#include <map>
#include <string>

namespace kplug::saving {
namespace {

using boost::json::object;
using boost::json::value;

void require_legacy_config(const Model& model, const std::string& where) {
  if (dynamic_cast<const Sequential*>(&model) || dynamic_cast<const Functional*>(&model)) return;
  throw NotSupportedError(where + ": model '" + model.name() + "' of class " + model.class_name() +
                          " has no legacy config (kplug writes legacy .h5 files for Sequential and Functional "
                          "models only); save it as a `.keras` archive");
}

// kplug wrote the dict being converted: a missing key is kplug's own mistake, named anyway.
const value& member(const object& dict, std::string_view key, const std::string& where) {
  if (const value* found = dict.if_contains(key)) return *found;
  throw ValueError("legacy config: the serialized object at " + where + " has no '" + std::string(key) +
                   "' key: " + json::excerpt(dict));
}

const object& object_at(const object& dict, std::string_view key, const std::string& where) {
  const value& found = member(dict, key, where);
  if (!found.is_object()) throw ValueError("legacy config: " + where + "." + std::string(key) + " is not a dict");
  return found.get_object();
}

// Keras's get_registered_name: "package>Name" for registered classes, else the class name.
value registered_name(const object& serialized, const std::string& where) {
  const value& registered = member(serialized, "registered_name", where);
  if (registered.is_string()) return registered;
  return member(serialized, "class_name", where);
}

object legacy_model_body(const Model& model, const object& config, const std::string& where);

// One entry of a model's `layers`: {class_name, config} (+ name, inbound_nodes in a Functional).
object legacy_layer_entry(const object& entry, const std::map<std::string, LayerPtr, std::less<>>& live,
                          bool functional, const std::string& where) {
  const object& config = object_at(entry, "config", where);
  const value& name = functional ? member(entry, "name", where) : member(config, "name", where + ".config");
  object out;
  out["class_name"] = registered_name(entry, where);
  const auto found = name.is_string() ? live.find(std::string_view(name.get_string())) : live.end();
  const auto* nested = found == live.end() ? nullptr : dynamic_cast<const Model*>(found->second.get());
  if (nested) {
    require_legacy_config(*nested, where);
    out["config"] = legacy_model_body(*nested, config, where + ".config");
  } else {
    out["config"] = config;
  }
  if (functional) {
    out["name"] = name;
    out["inbound_nodes"] = member(entry, "inbound_nodes", where);
  }
  return out;
}

// A model's get_config with its `layers` in legacy form.
object legacy_model_body(const Model& model, const object& config, const std::string& where) {
  std::map<std::string, LayerPtr, std::less<>> live;
  for (const LayerPtr& layer : model.layers()) live.emplace(layer->name(), layer);
  const bool functional = dynamic_cast<const Functional*>(&model) != nullptr;
  object out = config;
  const value& layers = member(config, "layers", where);
  if (!layers.is_array()) throw ValueError("legacy config: " + where + ".layers is not a list");
  boost::json::array converted;
  for (std::size_t i = 0; i < layers.get_array().size(); ++i) {
    const std::string entry_where = where + ".layers[" + std::to_string(i) + "]";
    const value& entry = layers.get_array()[i];
    if (!entry.is_object()) throw ValueError("legacy config: " + entry_where + " is not a dict");
    converted.push_back(legacy_layer_entry(entry.get_object(), live, functional, entry_where));
  }
  out["layers"] = std::move(converted);
  return out;
}

// _serialize_nested_config: a serialized loss or metric object becomes {class_name, config},
// a function its registered name; names and numbers stay; lists and dicts are walked.
value legacy_compile_value(const value& v, const std::string& where) {
  if (v.is_array()) {
    boost::json::array out;
    for (std::size_t i = 0; i < v.get_array().size(); ++i) {
      out.push_back(legacy_compile_value(v.get_array()[i], where + "[" + std::to_string(i) + "]"));
    }
    return out;
  }
  if (!v.is_object()) return v;
  const object& dict = v.get_object();
  if (dict.contains("class_name") && dict.contains("config") && dict.contains("module")) {
    const value& class_name = member(dict, "class_name", where);
    if (class_name.is_string() && class_name.get_string() == "function") {
      const value& registered = member(dict, "registered_name", where);
      return registered.is_string() ? registered : member(dict, "config", where);
    }
    return object{{"class_name", registered_name(dict, where)}, {"config", member(dict, "config", where)}};
  }
  object out;
  for (const auto& item : dict)
    out[item.key()] = legacy_compile_value(item.value(), where + "." + std::string(item.key()));
  return out;
}

}  // namespace

boost::json::value legacy_model_config(const Model& model) {
  require_legacy_config(model, "legacy .h5 model config");
  const value serialized = serialize_layer(model);
  const object& top = serialized.as_object();
  object out;
  // model_metadata names the top by its Python class, not its registered name.
  out["class_name"] = model.class_name();
  out["config"] = legacy_model_body(model, object_at(top, "config", "model"), "config");
  return out;
}

boost::json::value legacy_training_config(const Model& model) {
  const CompileState* state = model.compile_state();
  if (!state || !state->optimizer()) return nullptr;
  object out;
  for (const auto& item : state->to_json()) {
    if (item.key() == "optimizer") continue;  // optimizer_config, below
    out[item.key()] = legacy_compile_value(item.value(), "training_config." + std::string(item.key()));
  }
  const value optimizer = serialize(*state->optimizer());
  const object& dict = optimizer.as_object();
  out["optimizer_config"] =
      object{{"class_name", registered_name(dict, "optimizer")}, {"config", member(dict, "config", "optimizer")}};
  return out;
}

}  // namespace kplug::saving
