// The model walk of the legacy upgrader: Sequential (a bare list, no InputLayer, the first
// layer's batch_input_shape), Functional/Model (legacy nodes, nested models), wrappers.
#include "kplug/activations.hpp"
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "models/legacy_config/upgrade.hpp"

#include <algorithm>
#include <optional>

namespace kplug::legacy {

namespace detail {

std::string field_path(const std::string& base, std::string_view key) {
  return base.empty() ? std::string(key) : base + "." + std::string(key);
}

std::string index_path(const std::string& base, std::size_t index) { return base + "[" + std::to_string(index) + "]"; }

void malformed(const std::string& path, const std::string& message) { throw ConfigError(path, message); }

void refuse(const std::string& path, const std::string& message) {
  throw NotSupportedError((path.empty() ? std::string("model config") : path) + ": " + message);
}

void rename_key(boost::json::object& object, std::string_view from, std::string_view to) {
  if (!object.contains(from)) return;
  object.stable_erase(to);
  boost::json::object out;  // rebuilt to keep the key's place
  out.reserve(object.size());
  for (auto& item : object)
    out[item.key() == from ? boost::json::string_view(to) : item.key()] = std::move(item.value());
  object = std::move(out);
}

boost::json::object& object_at(boost::json::object& parent, std::string_view key, const std::string& path) {
  auto* v = parent.if_contains(key);
  if (!v) malformed(field_path(path, key), "missing '" + std::string(key) + "'");
  if (!v->is_object()) {
    malformed(field_path(path, key), "expected a dict, got " + std::string(json::type_name(*v)));
  }
  return v->get_object();
}

namespace {

std::string_view class_of(const boost::json::object& layer) {
  const auto* c = layer.if_contains("class_name");
  return c && c->is_string() ? std::string_view(c->get_string()) : std::string_view();
}

boost::json::array& layers_of(boost::json::object& config, const std::string& path) {
  auto* v = config.if_contains("layers");
  if (!v || !v->is_array()) {
    malformed(field_path(path, "layers"),
              v ? "expected a list of layer configs, got " + std::string(json::type_name(*v)) : "missing 'layers'");
  }
  return v->get_array();
}

// Keras 2 wrote the model input on the first layer of a Sequential; Keras 3 wants an InputLayer.
// batch_input_shape already holds the batch dimension (Keras 3's own legacy loader adds a second).
std::optional<boost::json::value> take_input_shape(boost::json::object& first, std::string_view class_name,
                                                   const std::string& path) {
  auto take = [&](std::string_view key) {
    std::optional<boost::json::value> v;
    if (auto* p = first.if_contains(key)) {
      if (!p->is_null()) v = *p;
      first.stable_erase(key);
    }
    return v;
  };
  auto batch_input_shape = take("batch_input_shape");
  auto input_shape = take("input_shape");
  auto batch_size = take("batch_size");
  std::optional<boost::json::value> input_dim;
  if (class_name != "Embedding") input_dim = take("input_dim");
  if (batch_input_shape) {
    if (!batch_input_shape->is_array())
      malformed(field_path(path, "batch_input_shape"), "expected a list of dimensions");
    return batch_input_shape;
  }
  boost::json::array shape{batch_size ? *batch_size : boost::json::value(nullptr)};
  if (input_shape) {
    if (!input_shape->is_array()) malformed(field_path(path, "input_shape"), "expected a list of dimensions");
    for (const auto& d : input_shape->get_array()) shape.push_back(d);
    return shape;
  }
  if (input_dim) {
    if (!input_dim->is_int64()) malformed(field_path(path, "input_dim"), "expected an integer");
    shape.push_back(*input_dim);
    return shape;
  }
  return std::nullopt;
}

std::string unique_name(std::string name, const boost::json::array& layers) {
  auto taken = [&](const std::string& n) {
    return std::any_of(layers.begin(), layers.end(), [&](const boost::json::value& l) {
      const auto* o = l.if_object();
      const auto* c = o ? o->if_contains("config") : nullptr;
      const auto* nm = c && c->is_object() ? c->get_object().if_contains("name") : nullptr;
      return nm && nm->is_string() && nm->get_string() == n;
    });
  };
  std::string candidate = name;
  for (int i = 1; taken(candidate); ++i) candidate = name + "_" + std::to_string(i);
  return candidate;
}

// Keras 2's Sequential: `x = Input(batch_shape, dtype=first.dtype, name=first.name + "_input")`.
// True when it inserted one.
bool insert_input_layer(boost::json::array& layers, const std::string& path) {
  if (layers.empty() || !layers[0].is_object()) return false;
  auto& first = layers[0].get_object();
  const std::string_view class_name = class_of(first);
  if (class_name == "InputLayer" || class_name == "Sequential" || class_name == "Functional" || class_name == "Model") {
    return false;
  }
  const std::string first_path = index_path(path, 0);
  auto& config = object_at(first, "config", first_path);
  auto shape = take_input_shape(config, class_name, field_path(first_path, "config"));
  if (!shape) return false;
  std::string dtype = "float32";
  if (const auto* d = config.if_contains("dtype"); d && d->is_string()) dtype = std::string(d->get_string());
  if (const auto* d = config.if_contains("input_dtype"); d && d->is_string()) {  // Keras 1
    dtype = std::string(d->get_string());
    config.stable_erase("input_dtype");
  }
  std::string base = "input_layer";
  if (const auto* n = config.if_contains("name"); n && n->is_string()) base = std::string(n->get_string()) + "_input";
  boost::json::object input_config;
  input_config["batch_shape"] = std::move(*shape);
  input_config["dtype"] = dtype;
  input_config["sparse"] = false;
  input_config["ragged"] = false;
  input_config["name"] = unique_name(base, layers);
  boost::json::object input;
  input["class_name"] = "InputLayer";
  input["config"] = std::move(input_config);
  layers.insert(layers.begin(), std::move(input));
  return true;
}

// `layers_path`: where the layers list is in the document read (the root for Keras < 2.2's bare
// list, else `<path>.config.layers`).
void upgrade_sequential(boost::json::object& model, const std::string& path, const std::string& layers_path,
                        UpgradeReport& report) {
  const std::string config_path = field_path(path, "config");
  auto* config_value = model.if_contains("config");
  if (config_value && config_value->is_array()) {  // Keras 2.0-2.1: the config is the list of layers
    boost::json::object config;
    const auto* name = model.if_contains("name");
    config["name"] = name && name->is_string() ? name->get_string() : "sequential";
    config["layers"] = std::move(*config_value);
    *config_value = std::move(config);
  }
  auto& config = object_at(model, "config", path);
  auto& layers = layers_of(config, config_path);
  const std::size_t inserted = insert_input_layer(layers, layers_path) ? 1 : 0;
  if (inserted) upgrade_layer(layers[0].get_object(), layers_path, report);  // the new InputLayer
  for (std::size_t i = inserted; i < layers.size(); ++i) {
    const std::string layer_path = index_path(layers_path, i - inserted);
    if (!layers[i].is_object()) {
      malformed(layer_path, "expected a layer dict, got " + std::string(json::type_name(layers[i])));
    }
    upgrade_layer(layers[i].get_object(), layer_path, report);
  }
}

// Keras 2 counted a nested model's own input->output node as its node 0 when the model has an
// InputLayer; Keras 3 does so for Functional models only, not for Sequential ones.
bool keras2_skips_first_node(const boost::json::object& entry) {
  if (class_of(entry) != "Sequential") return false;
  const auto* config = entry.if_contains("config");
  const auto* layers = config && config->is_object() ? config->get_object().if_contains("layers") : nullptr;
  if (!layers || !layers->is_array() || layers->get_array().empty()) return false;
  const auto* first = layers->get_array()[0].if_object();
  return first && class_of(*first) == "InputLayer";
}

void upgrade_functional(boost::json::object& model, const std::string& path, UpgradeReport& report) {
  model.at("class_name") = "Functional";
  const std::string config_path = field_path(path, "config");
  auto& config = object_at(model, "config", path);
  auto& layers = layers_of(config, config_path);
  const std::string layers_path = field_path(config_path, "layers");
  std::set<std::string, std::less<>> skip_first_node;
  bool legacy_nodes = false;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string entry_path = index_path(layers_path, i);
    auto* entry = layers[i].if_object();
    if (!entry) malformed(entry_path, "expected a layer dict, got " + std::string(json::type_name(layers[i])));
    if (!is_tf_op_layer(class_of(*entry))) upgrade_layer(*entry, entry_path, report);
    const auto* name = entry->if_contains("name");
    if (!name || !name->is_string())
      malformed(field_path(entry_path, "name"), "each layer entry needs a string 'name'");
    if (keras2_skips_first_node(*entry)) skip_first_node.emplace(name->get_string());
    if (const auto* nodes = entry->if_contains("inbound_nodes"); nodes && nodes->is_array()) {
      for (const auto& n : nodes->get_array()) legacy_nodes = legacy_nodes || is_legacy_node(n);
    }
  }
  // TensorFlow ops become Keras 3 op entries once every nested model's node offset is known.
  for (std::size_t i = 0; i < layers.size(); ++i) {
    auto& entry = layers[i].get_object();
    if (is_tf_op_layer(class_of(entry))) upgrade_tf_op_layer(entry, index_path(layers_path, i), skip_first_node);
  }
  if (!legacy_nodes) return;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    auto& entry = layers[i].get_object();
    auto* nodes = entry.if_contains("inbound_nodes");
    if (!nodes || !nodes->is_array()) continue;  // reported by the model loader
    const std::string nodes_path = field_path(index_path(layers_path, i), "inbound_nodes");
    for (std::size_t k = 0; k < nodes->get_array().size(); ++k) {
      auto& node = nodes->get_array()[k];
      if (!is_legacy_node(node)) continue;
      boost::json::value upgraded =
          upgrade_node(node, std::string(class_of(entry)), skip_first_node, index_path(nodes_path, k));
      node = std::move(upgraded);
    }
  }
  for (std::string_view key : {"input_layers", "output_layers"}) {
    if (auto* refs = config.if_contains(key)) shift_reference(*refs, skip_first_node);
  }
}

// Wrappers and RNNs hold layer dicts of their own.
void upgrade_inner_layers(boost::json::object& layer, const std::string& path, UpgradeReport& report) {
  auto* config = layer.if_contains("config");
  if (!config || !config->is_object()) return;
  const std::string config_path = field_path(path, "config");
  for (std::string_view key : {"layer", "backward_layer", "cell"}) {
    if (auto* inner = config->get_object().if_contains(key); inner && inner->is_object()) {
      upgrade_layer(inner->get_object(), field_path(config_path, key), report);
    }
  }
  if (auto* cells = config->get_object().if_contains("cells"); cells && cells->is_array()) {
    for (std::size_t i = 0; i < cells->get_array().size(); ++i) {
      if (auto* cell = cells->get_array()[i].if_object()) {
        upgrade_layer(*cell, index_path(field_path(config_path, "cells"), i), report);
      }
    }
  }
}

// Keras 3 names the module of every class dict, and kplug resolves layer classes only through
// it (or the registered name). Keras 2 wrote neither: built-in layers are "keras.layers"
// (models "keras"); a registered "package>Name" keeps its registration; other names may be
// custom objects, so they are offered as registered names too (a built-in accepts its own).
void add_module(boost::json::object& layer, bool is_model) {
  if (layer.contains("module")) return;
  const std::string class_name(layer.at("class_name").get_string());
  boost::json::object out;
  out.reserve(layer.size() + 2);
  const auto separator = class_name.find('>');
  // As Keras 3 writes them: {"module": "keras", "class_name": "Sequential", "registered_name": null},
  // {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional"}.
  const bool functional = is_model && class_name == "Functional";
  if (is_model) {
    out["module"] = functional ? "keras.src.models.functional" : "keras";
  } else if (separator != std::string::npos) {
    out["module"] = class_name.substr(0, separator);
  } else {
    out["module"] = "keras.layers";
  }
  for (auto& item : layer) {
    if (item.key() == "class_name" && separator != std::string::npos) {
      out["class_name"] = class_name.substr(separator + 1);
    } else {
      out[item.key()] = std::move(item.value());
    }
    if (item.key() == "config" && !layer.contains("registered_name")) {
      out["registered_name"] = is_model && !functional ? boost::json::value(nullptr) : boost::json::value(class_name);
    }
  }
  layer = std::move(out);
}

}  // namespace

void upgrade_bare_sequential(boost::json::object& model, UpgradeReport& report) {
  upgrade_sequential(model, "", "", report);
  add_module(model, true);
}

void upgrade_layer(boost::json::object& layer, const std::string& path, UpgradeReport& report) {
  const auto* class_name = layer.if_contains("class_name");
  if (!class_name || !class_name->is_string()) {
    malformed(field_path(path, "class_name"), "each layer dict needs a string 'class_name'");
  }
  const std::string name(class_name->get_string());
  // tf.keras 2.x wrote its private module paths ("keras.engine.functional",
  // "keras.src.engine.sequential"); add_module gives Keras 3's.
  if (const auto* module = layer.if_contains("module"); module && module->is_string()) {
    const std::string_view m = module->get_string();
    // Keras 3 op entries (what TFOpLambda layers become) have no older dialect.
    if (m.starts_with("keras.src.ops.")) return;
    if (m.starts_with("keras.engine") || m.starts_with("keras.src.engine")) layer.stable_erase("module");
  }
  if (name == "Sequential") {
    upgrade_sequential(layer, path, field_path(field_path(path, "config"), "layers"), report);
    add_module(layer, true);
  } else if (name == "Model" || name == "Functional") {
    upgrade_functional(layer, path, report);
    add_module(layer, true);
  } else {
    upgrade_layer_args(layer, path, report);
    upgrade_inner_layers(layer, path, report);
    add_module(layer, false);
  }
}

}  // namespace detail

namespace {

// The version `config` names itself (tf.keras's to_json), "" when none.
std::string own_keras_version(const boost::json::value& config) {
  const auto* object = config.if_object();
  const auto* version = object ? object->if_contains("keras_version") : nullptr;
  return version && version->is_string() ? std::string(version->get_string()) : "";
}

boost::json::value upgrade_dialect(const boost::json::value& config, UpgradeReport& report);

}  // namespace

boost::json::value upgrade_model_config(const boost::json::value& config, UpgradeReport& report,
                                        std::string_view keras_version) {
  const std::string version = keras_version.empty() ? own_keras_version(config) : std::string(keras_version);
  boost::json::value out = upgrade_dialect(config, report);
  if (is_keras1_or_2_version(version) && detail::use_keras2_activations(out)) {
    report.changed = true;
    report.warnings.push_back("hard_sigmoid (Keras " + version +
                              ": clip(0.2 x + 0.5, 0, 1)) is kept as the activation \"" +
                              std::string(activations::kKeras2HardSigmoid) +
                              "\"; Python Keras 3 needs it registered to load a model saved from this one");
  }
  return out;
}

namespace {

boost::json::value upgrade_dialect(const boost::json::value& config, UpgradeReport& report) {
  boost::json::value out = config;
  if (out.is_array()) {  // Keras < 2.2 wrote a Sequential as the bare list of its layers
    boost::json::object model;
    model["class_name"] = "Sequential";
    boost::json::object inner;
    inner["name"] = "sequential";
    inner["layers"] = std::move(out.get_array());
    model["config"] = std::move(inner);
    detail::upgrade_bare_sequential(model, report);
    report.changed = true;
    return model;
  }
  auto* model = out.if_object();
  if (!model) {
    detail::malformed("",
                      "a model config must be a dict {\"class_name\": ..., \"config\": ...} or a list of "
                      "layers, got " +
                          std::string(json::type_name(config)));
  }
  const auto* class_name = model->if_contains("class_name");
  if (!class_name || !class_name->is_string()) {
    detail::malformed("class_name", "a model config needs a string 'class_name'");
  }
  const std::string name(class_name->get_string());
  // tf.keras's to_json() adds its version and backend beside the model dict.
  model->stable_erase("keras_version");
  model->stable_erase("backend");
  if (auto* compile_config = model->if_contains("compile_config"); compile_config && compile_config->is_object()) {
    detail::upgrade_compile_config(compile_config->get_object(), "compile_config", report);
  }
  if (name != "Sequential" && name != "Functional" && name != "Model") {
    // Subclassed models registered by plugins keep their own config.
    detail::upgrade_layer_args(*model, "", report);
  } else {
    detail::upgrade_layer(*model, "", report);
  }
  report.changed = report.changed || out != config;
  return out;
}

}  // namespace

bool is_keras1_or_2_version(std::string_view version) { return version.starts_with("1.") || version.starts_with("2."); }

bool is_legacy_model_config(const boost::json::value& config) {
  if (config.is_array()) return true;
  const auto* object = config.if_object();
  if (!object || !object->contains("class_name")) return false;
  if (!object->contains("module")) return true;
  const auto* version = object->if_contains("keras_version");
  return version && version->is_string() && is_keras1_or_2_version(version->get_string());
}

}  // namespace kplug::legacy
