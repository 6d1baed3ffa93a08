// Keras 1-2's inbound node lists -> Keras 3's {"args": [...], "kwargs": {...}} nodes.
//
// A legacy node is the (nested) list of its input tensors, each
// [layer_name, node_index, tensor_index, {call kwargs}] (tf.keras repeats the kwargs on every
// tensor; a constant input is ["_CONSTANT_VALUE", -1, value, {kwargs}]). tf.keras writes
// tensors passed as keyword arguments (mask=, initial_state=) as [name, node, tensor] triples
// inside the kwargs; standalone Keras 2 passed an RNN's initial states as extra inputs.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "models/legacy_config/upgrade.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace kplug::legacy::detail {

namespace {

constexpr std::string_view kConstant = "_CONSTANT_VALUE";

// Layers whose extra positional inputs were their initial states in standalone Keras 2.
bool takes_states_as_inputs(std::string_view class_name) {
  static constexpr std::array<std::string_view, 10> kRecurrent = {
      "RNN",        "SimpleRNN",  "LSTM",      "GRU",      "ConvLSTM1D",
      "ConvLSTM2D", "ConvLSTM3D", "CuDNNLSTM", "CuDNNGRU", "Bidirectional"};
  return std::find(kRecurrent.begin(), kRecurrent.end(), class_name) != kRecurrent.end();
}

boost::json::value keras_tensor(const boost::json::array& ref, const std::set<std::string, std::less<>>& skip_first) {
  std::int64_t node_index = ref[1].get_int64();
  if (skip_first.contains(ref[0].get_string()) && node_index > 0) --node_index;
  boost::json::object config;
  config["keras_history"] = boost::json::array{ref[0], node_index, ref[2]};
  boost::json::object tensor;
  tensor["class_name"] = "__keras_tensor__";
  tensor["config"] = std::move(config);
  return tensor;
}

struct Converter {
  const std::set<std::string, std::less<>>& skip_first;
  std::optional<boost::json::object> kwargs;
  std::string kwargs_path;

  // One input structure: references become keras tensors, their kwargs are collected.
  boost::json::value inputs(const boost::json::value& v, const std::string& path) {
    if (is_node_reference(v, 3, 4)) {
      const auto& ref = v.get_array();
      if (ref.size() == 4) {
        if (!ref[3].is_object()) malformed(index_path(path, 3), "expected the call kwargs dict");
        kwargs = ref[3].get_object();  // the same on every tensor; the last wins, as in Keras
        kwargs_path = index_path(path, 3);
      }
      if (ref[0].get_string() == kConstant) return ref[2];
      return keras_tensor(ref, skip_first);
    }
    if (const auto* a = v.if_array(); a && !(!a->empty() && (*a)[0].is_string())) {
      boost::json::array out;
      for (std::size_t i = 0; i < a->size(); ++i) out.push_back(inputs((*a)[i], index_path(path, i)));
      return out;
    }
    if (const auto* o = v.if_object()) {
      boost::json::object out;
      for (const auto& item : *o) out[item.key()] = inputs(item.value(), field_path(path, item.key()));
      return out;
    }
    malformed(path, "expected [layer_name, node_index, tensor_index, {kwargs}], got " + json::excerpt(v));
  }

  // Keyword arguments: tensor triples become keras tensors, the rest stays as written.
  boost::json::value kwarg(const boost::json::value& v) {
    if (is_node_reference(v, 3, 3) && v.get_array()[0].get_string() != kConstant) {
      return keras_tensor(v.get_array(), skip_first);
    }
    if (const auto* a = v.if_array()) {
      boost::json::array out;
      for (const auto& item : *a) out.push_back(kwarg(item));
      return out;
    }
    if (const auto* o = v.if_object(); o && !o->contains("class_name")) {
      boost::json::object out;
      for (const auto& item : *o) out[item.key()] = kwarg(item.value());
      return out;
    }
    return v;
  }
};

}  // namespace

bool is_node_reference(const boost::json::value& v, std::size_t min_size, std::size_t max_size) {
  const auto* a = v.if_array();
  return a && a->size() >= min_size && a->size() <= max_size && (*a)[0].is_string() && (*a)[1].is_int64() &&
         ((*a)[2].is_int64() || (*a)[0].get_string() == kConstant);
}

// Keras 3's nodes are {"args", "kwargs"} dicts; tf.keras wrote a layer taking a dict of inputs
// as the dict of its tensors.
bool is_legacy_node(const boost::json::value& node) {
  const auto* dict = node.if_object();
  return node.is_array() || (dict && !dict->contains("args") && !dict->contains("kwargs"));
}

boost::json::value upgrade_node(const boost::json::value& node, const std::string& layer_class,
                                const std::set<std::string, std::less<>>& skip_first_node, const std::string& path) {
  Converter converter{skip_first_node, std::nullopt, {}};
  boost::json::array tensors;
  if (const auto* list = node.if_array()) {
    for (std::size_t i = 0; i < list->size(); ++i) tensors.push_back(converter.inputs((*list)[i], index_path(path, i)));
  } else {
    tensors.push_back(converter.inputs(node, path));
  }
  boost::json::object kwargs;
  if (converter.kwargs) {
    for (const auto& item : *converter.kwargs) kwargs[item.key()] = converter.kwarg(item.value());
  }
  boost::json::array args;
  if (tensors.size() > 1 && takes_states_as_inputs(layer_class) && !kwargs.contains("initial_state")) {
    // Standalone Keras 2: layer([x, h, c]) was layer(x, initial_state=[h, c]).
    args.push_back(tensors[0]);
    kwargs["initial_state"] = boost::json::array(tensors.begin() + 1, tensors.end());
  } else if (tensors.size() == 1) {
    args.push_back(std::move(tensors[0]));
  } else if (!tensors.empty()) {
    args.push_back(std::move(tensors));
  }
  boost::json::object out;
  out["args"] = std::move(args);
  out["kwargs"] = std::move(kwargs);
  return out;
}

void shift_reference(boost::json::value& ref, const std::set<std::string, std::less<>>& skip_first_node) {
  if (is_node_reference(ref, 3, 3)) {
    auto& a = ref.get_array();
    if (skip_first_node.contains(a[0].get_string()) && a[1].get_int64() > 0) a[1] = a[1].get_int64() - 1;
    return;
  }
  if (auto* a = ref.if_array()) {
    for (auto& item : *a) shift_reference(item, skip_first_node);
  } else if (auto* o = ref.if_object()) {
    for (auto& item : *o) shift_reference(item.value(), skip_first_node);
  }
}

}  // namespace kplug::legacy::detail
