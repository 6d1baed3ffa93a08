// Bidirectional (keras/src/layers/rnn/bidirectional.py): a forward and a backward RNN over
// the same sequence, outputs merged.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"
#include "layers/rnn/rnn_fields.hpp"

#include <algorithm>
#include <array>
#include <tuple>

namespace kplug::layers {

namespace {

using Merge = Bidirectional::Merge;

constexpr std::array<std::pair<std::string_view, Merge>, 4> kMerges{
    {{"sum", Merge::sum}, {"mul", Merge::mul}, {"ave", Merge::ave}, {"concat", Merge::concat}}};

std::string_view remove_prefix(std::string_view name, std::string_view prefix) {
  return name.starts_with(prefix) ? name.substr(prefix.size()) : name;
}

std::shared_ptr<BaseRNN> as_rnn(LayerPtr layer, const std::string& path) {
  auto rnn = std::dynamic_pointer_cast<BaseRNN>(layer);
  if (!rnn) {
    throw NotSupportedError(
        path + ": Bidirectional wraps a recurrent layer (SimpleRNN, LSTM, GRU, RNN, ConvLSTM1D/2D) in kplug, got " +
        layer->class_name());
  }
  return rnn;
}

// Keras rebuilds the wrapped layer from its config under a new name (forward_<name>).
boost::json::object renamed(const boost::json::value& layer_config, const std::string& path, std::string_view prefix,
                            bool go_backwards_flag) {
  const auto* dict = layer_config.if_object();
  const auto* inner = dict ? dict->if_contains("config") : nullptr;
  if (!inner || !inner->is_object()) {
    throw ConfigError(path, "expected a layer config dict with a 'config' dict, got " + json::excerpt(layer_config));
  }
  boost::json::object copy = *dict;
  boost::json::object& config = copy["config"].as_object();
  std::string name;
  if (const auto* n = config.if_contains("name"); n && n->is_string()) {
    name = std::string(n->get_string());
  } else {
    const auto* c = dict->if_contains("class_name");
    name = unique_object_name(to_snake_case(c && c->is_string() ? std::string(c->get_string()) : "layer"));
  }
  config["name"] = std::string(prefix) + std::string(remove_prefix(name, prefix));
  if (go_backwards_flag) config["go_backwards"] = true;
  return copy;
}

// Keras's checks of a forward/backward pair: a message, or empty.
std::string mismatch(const BaseRNN& forward, const BaseRNN& backward) {
  const RecurrentOptions& f = forward.recurrent_options();
  const RecurrentOptions& b = backward.recurrent_options();
  auto py = [](bool v) { return std::string(v ? "True" : "False"); };
  if (f.go_backwards == b.go_backwards) {
    return "Forward layer and backward layer should have different `go_backwards` value. Received: "
           "forward_layer.go_backwards " +
           py(f.go_backwards) + ", backward_layer.go_backwards=" + py(b.go_backwards);
  }
  for (const auto& [attr, fv, bv] : {std::tuple{"stateful", f.stateful, b.stateful},
                                     std::tuple{"return_sequences", f.return_sequences, b.return_sequences},
                                     std::tuple{"return_state", f.return_state, b.return_state}}) {
    if (fv != bv) {
      return std::string("Forward layer and backward layer are expected to have the same value for attribute \"") +
             attr + "\", got \"" + py(fv) + "\" for forward layer and \"" + py(bv) + "\" for backward layer";
    }
  }
  return {};
}

}  // namespace

const config::Fields<Bidirectional::Options>& Bidirectional::fields() {
  using O = Options;
  auto merge_mode = config::custom_field<O>(
      "merge_mode",
      [](ConfigReader& r, std::string_view k, const boost::json::value& v, O& o) {
        if (v.is_null()) {
          o.merge_mode = Merge::none;
          return;
        }
        const std::string name = r.as_string(k, v);
        auto it = std::find_if(kMerges.begin(), kMerges.end(), [&](const auto& e) { return e.first == name; });
        if (it == kMerges.end()) {
          r.fail(k, "Invalid merge mode. Received: " + name +
                        ". Merge mode should be one of {\"sum\", \"mul\", \"ave\", \"concat\", None}");
        }
        o.merge_mode = it->second;
      },
      [](const O& o) {
        for (const auto& [name, m] : kMerges) {
          if (m == o.merge_mode) return boost::json::value(name);
        }
        return boost::json::value(nullptr);
      });
  // Without a backward_layer (absent or null), the backward one is the layer's config renamed,
  // going backwards, as Keras rebuilds it.
  auto layer =
      detail::sub_layer_field<O, BaseRNN>("layer", &O::layer, [](ConfigReader& r, const boost::json::value& v, O& o) {
        const std::string path = r.context().path();
        auto forward = as_rnn(deserialize_layer(renamed(v, path, "forward_", false), r.context()), path);
        const auto* backward = r.raw("backward_layer");
        if (!backward || backward->is_null()) {
          o.backward_layer = as_rnn(deserialize_layer(renamed(v, path, "backward_", true), r.context()), path);
        }
        return forward;
      });
  auto backward_layer = detail::sub_layer_field<O, BaseRNN>(
      "backward_layer", &O::backward_layer, [](ConfigReader& r, const boost::json::value& v, O& o) {
        if (v.is_null()) return o.backward_layer;
        auto backward = as_rnn(deserialize_layer(v, r.context()), r.context().path());
        if (std::string e = mismatch(*o.layer, *backward); !e.empty()) r.fail("backward_layer", e);
        return backward;
      });
  static const config::Fields<O> list{
      merge_mode, layer.required(), backward_layer,
      // Keras's `weights=None` argument
      config::custom_field<O>("weights", [](ConfigReader&, std::string_view, const boost::json::value&, O&) {}, {})
          .read_only()};
  return list;
}

Bidirectional::Bidirectional(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  if (!options_.layer)
    throw ValueError("Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance.");
  if (!options_.backward_layer) {
    // A copy of the layer through its config, going backwards (Keras's way).
    const auto config = renamed(serialize_layer(*options_.layer), "layer", "backward_", true);
    options_.backward_layer = as_rnn(deserialize_as<Layer>(config), "layer");
  }
  if (std::string e = mismatch(*options_.layer, *options_.backward_layer); !e.empty()) throw ValueError(e);
  // Keras: masked steps of a bidirectional sequence give zeros.
  for (const auto& rnn : {options_.layer, options_.backward_layer}) {
    rnn->set_zero_output_for_mask(options_.layer->recurrent_options().return_sequences);
  }
}

std::vector<LayerAttribute> Bidirectional::layer_attributes() const {
  return {LayerAttribute{"forward_layer", {forward_layer()}}, LayerAttribute{"backward_layer", {backward_layer()}}};
}

std::vector<PartialShape> Bidirectional::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  std::vector<PartialShape> shapes = forward_layer()->compute_output_shape(input_shapes);
  PartialShape output = shapes[0];
  std::vector<PartialShape> states(shapes.begin() + 1, shapes.end());
  std::vector<PartialShape> out;
  if (merge_mode() == Merge::concat) {
    Dim& last = output[output.rank() - 1];
    if (last) last = *last * 2;
  }
  out.push_back(output);
  if (merge_mode() == Merge::none) out.push_back(output);
  for (int pass = 0; pass < 2; ++pass) out.insert(out.end(), states.begin(), states.end());
  return out;
}

void Bidirectional::build(const std::vector<PartialShape>& input_shapes) {
  forward_layer()->maybe_build(input_shapes);
  backward_layer()->maybe_build(input_shapes);
}

std::vector<Tensor> Bidirectional::call(CallArgs& args) {
  expect_inputs(args, 1);
  CallArgs forward_args(args.inputs), backward_args(args.inputs);
  forward_args.masks = backward_args.masks = args.masks;
  forward_args.training = backward_args.training = args.training;
  if (const auto* initial = args.tensor_kwarg("initial_state")) {
    const std::size_t half = initial->size() / 2;
    forward_args.tensor_kwargs["initial_state"].assign(initial->begin(),
                                                       initial->begin() + static_cast<std::ptrdiff_t>(half));
    backward_args.tensor_kwargs["initial_state"].assign(initial->begin() + static_cast<std::ptrdiff_t>(half),
                                                        initial->end());
  }
  std::vector<Tensor> y = (*forward_layer())(forward_args);
  std::vector<Tensor> y_rev = (*backward_layer())(backward_args);
  // The backward sequence comes in processing order: put it back in time order.
  if (forward_layer()->recurrent_options().return_sequences) y_rev[0] = ops::flip(y_rev[0], 1);
  std::vector<Tensor> out;
  switch (merge_mode()) {
    case Merge::concat: out.push_back(ops::concatenate({y[0], y_rev[0]}, -1)); break;
    case Merge::sum: out.push_back(y[0] + y_rev[0]); break;
    case Merge::ave: out.push_back((y[0] + y_rev[0]) / 2.0f); break;
    case Merge::mul: out.push_back(y[0] * y_rev[0]); break;
    case Merge::none:
      out.push_back(y[0]);
      out.push_back(y_rev[0]);
      break;
  }
  out.insert(out.end(), y.begin() + 1, y.end());
  out.insert(out.end(), y_rev.begin() + 1, y_rev.end());
  return out;
}

}  // namespace kplug::layers
