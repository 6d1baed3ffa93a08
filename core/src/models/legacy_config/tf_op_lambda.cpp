// tf.keras 2.x (TF >= 2.4) wrote a TFOpLambda layer for every TensorFlow function applied to a
// Keras tensor (`x * 2`, `tf.reshape(x, s)`, `x[:, 0]` as a SlicingOpLambda), with
// `config.function` naming the TF symbol ("math.multiply") and its call in the node: the
// first argument as the node's tensors (a constant as ["_CONSTANT_VALUE", -1, value]), every
// other argument by its TF parameter name in the kwargs dict, tensors there as
// [layer, node, tensor] triples. Keras 3 refuses these layers; kplug rewrites each into the
// Keras 3 Operation entry Keras itself writes for the same op (module keras.src.ops.*).
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "layers/ops_nodes/op_node.hpp"
#include "models/legacy_config/tf_functions.hpp"
#include "models/legacy_config/upgrade.hpp"
#include "util/suggest.hpp"

#include <optional>

namespace kplug::legacy::detail {
namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;
using Role = TfParam::Role;

// The Keras 3 op's config: its module and __init__ arguments with their defaults.
struct KerasOp {
  std::string module;
  std::vector<std::pair<std::string, value>> params;
};

KerasOp keras_op(const std::string& class_name) {
  if (class_name == "GetItem") return {"keras.src.ops.numpy", {}};
  const auto& spec = layers::op_nodes::require_op_spec(class_name);
  KerasOp op{spec.module, {}};
  for (const auto& p : spec.params) op.params.emplace_back(p.key, p.default_value);
  return op;
}

bool contains_tensor(const value& v) {
  if (const auto* o = v.if_object()) {
    const auto* c = o->if_contains("class_name");
    if (c && c->is_string() && c->get_string() == "__keras_tensor__") return true;
    for (const auto& item : *o) {
      if (contains_tensor(item.value())) return true;
    }
  } else if (const auto* a = v.if_array()) {
    for (const auto& item : *a) {
      if (contains_tensor(item)) return true;
    }
  }
  return false;
}

// Numbers compare by value (1 and 1.0 are the same argument).
bool same_value(const value& a, const value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  return a == b;
}

// One layer being rewritten: its names for messages.
struct TfLayer {
  std::string class_name;  // TFOpLambda or SlicingOpLambda
  std::string name;
  std::string function;
  const TfFunction* tf = nullptr;

  std::string where() const { return "layer '" + name + "' (" + class_name + " calling tf." + function + ")"; }
  [[noreturn]] void refuse_argument(const std::string& path, const std::string& what) const {
    refuse(path, where() + ": " + what + "; kplug maps a TFOpLambda only where its Keras 3 equivalent is exact");
  }
};

// TF's slice_spec item -> Keras 3's key item: {"start", "stop", "step"} dicts become
// `__slice__`, tf.keras's {"class_name": "__ellipsis__"} gets its config.
value index_item(const TfLayer& layer, const value& item, const std::string& path) {
  if (item.is_int64() || item.is_uint64() || item.is_null()) return item;
  const auto* o = item.if_object();
  const auto* c = o ? o->if_contains("class_name") : nullptr;
  if (c && c->is_string() && c->get_string() == "__ellipsis__") {
    return object{{"class_name", "__ellipsis__"}, {"config", object{}}};
  }
  if (o && !c && o->size() == 3 && o->contains("start") && o->contains("stop") && o->contains("step")) {
    for (const auto* key : {"start", "stop", "step"}) {
      const value& bound = o->at(key);
      if (!bound.is_null() && !bound.is_int64() && !bound.is_uint64()) {
        layer.refuse_argument(path, "a slice bound " + json::excerpt(bound) + " is not supported (ints or None only)");
      }
    }
    object config{{"start", o->at("start")}, {"stop", o->at("stop")}, {"step", o->at("step")}};
    return object{{"class_name", "__slice__"}, {"config", std::move(config)}};
  }
  layer.refuse_argument(path, "the index " + json::excerpt(item) +
                                  " is not supported (ints, slices of ints, Ellipsis and tf.newaxis only)");
}

value index_key(const TfLayer& layer, const value& spec, const std::string& path) {
  if (const auto* list = spec.if_array()) {
    array key;
    for (std::size_t i = 0; i < list->size(); ++i) key.push_back(index_item(layer, (*list)[i], index_path(path, i)));
    return key;
  }
  return index_item(layer, spec, path);
}

// What one node of the layer becomes: the Keras op's positional arguments and config options.
struct OpCall {
  array args;
  object options;
};

// The call's arguments by TF parameter name: the first from the node's tensors, the rest
// from its kwargs (upgraded to Keras 3 tensors by upgrade_node).
object tf_arguments(const TfLayer& layer, const value& node, const std::set<std::string, std::less<>>& skip_first_node,
                    const std::string& path) {
  // A single first argument is the node's reference itself (TFOpLambda keeps its input
  // structure), a list argument (tf.concat's values) the list of references.
  const value wrapped = is_node_reference(node, 3, 4) ? value(array{node}) : node;
  if (!wrapped.is_array()) {
    malformed(path,
              "expected a tf.keras node [layer_name, node_index, tensor_index, {kwargs}], got " + json::excerpt(node));
  }
  const value upgraded = upgrade_node(wrapped, layer.class_name, skip_first_node, path);
  const array& args = upgraded.at("args").get_array();
  if (args.size() != 1) malformed(path, layer.where() + ": expected one first argument, got " + json::excerpt(node));
  object arguments = upgraded.at("kwargs").get_object();
  const std::string& first = layer.tf->params.front().name;
  if (arguments.contains(first)) malformed(path, layer.where() + ": `" + first + "` is given twice");
  arguments[first] = args[0];
  for (const auto& item : arguments) {
    const auto& params = layer.tf->params;
    if (std::none_of(params.begin(), params.end(), [&](const TfParam& p) { return p.name == item.key(); })) {
      std::vector<std::string> names;
      for (const auto& p : params) names.push_back(p.name);
      layer.refuse_argument(path, "unexpected argument `" + std::string(item.key()) + "` (tf." + layer.function +
                                      " takes " + kplug::detail::quoted_list(names, names.size()) + ")");
    }
  }
  return arguments;
}

void add_argument(const TfLayer& layer, const TfParam& p, const value* v, OpCall& call, const std::string& path) {
  const std::string arg = "`" + p.name + "`";
  switch (p.role) {
    case Role::operand:
      if (!v) layer.refuse_argument(path, "the call's argument " + arg + " is missing from the node");
      call.args.push_back(*v);
      return;
    case Role::operand_list:
      if (!v) layer.refuse_argument(path, "the call's argument " + arg + " is missing from the node");
      call.args.push_back(v->is_array() ? *v : value(array{*v}));
      return;
    case Role::index_key:
      if (!v) layer.refuse_argument(path, "the call's argument " + arg + " is missing from the node");
      call.args.push_back(index_key(layer, *v, path + "." + p.name));
      return;
    case Role::option: {
      if (v && contains_tensor(*v)) {
        layer.refuse_argument(path, "a tensor as " + arg + " is not supported (the Keras op takes a plain value)");
      }
      const value chosen = v && !(v->is_null() && p.null_is_default) ? *v : p.tf_default;
      if (p.required && chosen.is_null()) layer.refuse_argument(path, arg + " is required");
      if (v || !chosen.is_null()) call.options[p.keras_key] = chosen;
      return;
    }
    case Role::fixed:
      if (v && !same_value(*v, p.tf_default)) {
        layer.refuse_argument(path, arg + "=" + json::excerpt(*v) + " is not supported (only " + p.name + "=" +
                                        json::excerpt(p.tf_default) + ")");
      }
      return;
    case Role::dropped: return;
  }
}

OpCall translate_node(const TfLayer& layer, const value& node,
                      const std::set<std::string, std::less<>>& skip_first_node, const std::string& path) {
  const object arguments = tf_arguments(layer, node, skip_first_node, path);
  OpCall call;
  for (const auto& p : layer.tf->params) add_argument(layer, p, arguments.if_contains(p.name), call, path);
  return call;
}

std::string string_at(const object& o, std::string_view key, const std::string& path) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) malformed(field_path(path, key), "expected a string '" + std::string(key) + "'");
  return std::string(v->get_string());
}

TfLayer read_tf_layer(const object& layer, const std::string& path) {
  const object& config = layer.at("config").as_object();
  const std::string config_path = field_path(path, "config");
  TfLayer out{string_at(layer, "class_name", path), string_at(config, "name", config_path),
              string_at(config, "function", config_path)};
  out.tf = find_tf_function(out.function);
  if (!out.tf) {
    const auto names = tf_function_names();
    refuse(field_path(config_path, "function"),
           out.where() + ": tf." + out.function + " has no Keras 3 operation kplug maps it to." +
               kplug::detail::did_you_mean(out.function, names) +
               " Supported functions: " + kplug::detail::quoted_list(names, names.size()));
  }
  return out;
}

}  // namespace

bool is_tf_op_layer(std::string_view class_name) {
  return class_name == "TFOpLambda" || class_name == "SlicingOpLambda";
}

void upgrade_tf_op_layer(object& layer, const std::string& path,
                         const std::set<std::string, std::less<>>& skip_first_node) {
  object_at(layer, "config", path);
  const TfLayer tf_layer = read_tf_layer(layer, path);
  const std::string nodes_path = field_path(path, "inbound_nodes");
  const auto* nodes = layer.if_contains("inbound_nodes");
  if (!nodes || !nodes->is_array()) malformed(nodes_path, "expected a list of nodes");
  array keras_nodes;
  std::optional<object> options;
  for (std::size_t k = 0; k < nodes->get_array().size(); ++k) {
    const std::string node_path = index_path(nodes_path, k);
    OpCall call = translate_node(tf_layer, nodes->get_array()[k], skip_first_node, node_path);
    if (options && *options != call.options) {
      tf_layer.refuse_argument(node_path, "its calls differ in " + json::excerpt(value(call.options)) + " and " +
                                              json::excerpt(value(*options)) + ", one Keras op holds one config");
    }
    options = std::move(call.options);
    keras_nodes.push_back(object{{"args", std::move(call.args)}, {"kwargs", object{}}});
  }
  const KerasOp op = keras_op(tf_layer.tf->op);
  object config{{"name", tf_layer.name}};
  for (const auto& [key, default_value] : op.params) {
    const value* given = options ? options->if_contains(key) : nullptr;
    config[key] = given ? *given : default_value;
  }
  // As Keras 3 writes an Operation entry.
  object out{{"module", op.module},         {"class_name", tf_layer.tf->op},
             {"config", std::move(config)}, {"registered_name", tf_layer.tf->op},
             {"name", tf_layer.name},       {"inbound_nodes", std::move(keras_nodes)}};
  layer = std::move(out);
}

}  // namespace kplug::legacy::detail
