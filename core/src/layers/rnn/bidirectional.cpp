// Bidirectional (keras/src/layers/rnn/bidirectional.py): a forward and a backward RNN over
// the same sequence, outputs merged.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"

#include <array>

namespace kplug::layers {

namespace {

using Merge = Bidirectional::Merge;

constexpr std::array<std::pair<std::string_view, Merge>, 4> kMerges{
    {{"sum", Merge::sum}, {"mul", Merge::mul}, {"ave", Merge::ave}, {"concat", Merge::concat}}};

std::string_view remove_prefix(std::string_view name, std::string_view prefix) {
  return name.starts_with(prefix) ? name.substr(prefix.size()) : name;
}

std::shared_ptr<RNN> as_rnn(LayerPtr layer, const std::string& path) {
  auto rnn = std::dynamic_pointer_cast<RNN>(layer);
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

void verify(const RNN& forward, const RNN& backward) {
  if (forward.args().go_backwards == backward.args().go_backwards) {
    throw ValueError(
        "Forward layer and backward layer should have different `go_backwards` value. Received: "
        "forward_layer.go_backwards " +
        std::string(forward.args().go_backwards ? "True" : "False") +
        ", backward_layer.go_backwards=" + std::string(backward.args().go_backwards ? "True" : "False"));
  }
  auto same = [&](const char* attr, bool f, bool b) {
    if (f != b) {
      throw ValueError(std::string("Forward layer and backward layer are expected to have the same value for "
                                   "attribute \"") +
                       attr + "\", got \"" + (f ? "True" : "False") + "\" for forward layer and \"" +
                       (b ? "True" : "False") + "\" for backward layer");
    }
  };
  same("stateful", forward.args().stateful, backward.args().stateful);
  same("return_sequences", forward.args().return_sequences, backward.args().return_sequences);
  same("return_state", forward.args().return_state, backward.args().return_state);
}

}  // namespace

Bidirectional::Bidirectional(std::shared_ptr<RNN> layer, std::shared_ptr<RNN> backward_layer, Merge merge,
                             LayerArgs args)
    : Layer(std::move(args)), forward_(std::move(layer)), backward_(std::move(backward_layer)), merge_(merge) {
  if (!forward_) throw ValueError("Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance.");
  if (!backward_) {
    // A copy of the layer through its config, going backwards (Keras's way).
    const auto config = renamed(serialize_layer(*forward_), "layer", "backward_", true);
    backward_ = as_rnn(deserialize_as<Layer>(config), "layer");
  }
  verify(*forward_, *backward_);
  // Keras: masked steps of a bidirectional sequence give zeros.
  forward_->set_zero_output_for_mask(forward_->args().return_sequences);
  backward_->set_zero_output_for_mask(backward_->args().return_sequences);
}

std::shared_ptr<Bidirectional> Bidirectional::from_config(const boost::json::object& config,
                                                          DeserializationContext& context) {
  ConfigReader reader(config, context, "Bidirectional");
  LayerArgs args = LayerArgs::read(reader);
  Merge merge = Merge::concat;
  if (const auto* m = reader.raw("merge_mode")) {
    if (m->is_null()) {
      merge = Merge::none;
    } else {
      const std::string name = reader.as_string("merge_mode", *m);
      auto it = std::find_if(kMerges.begin(), kMerges.end(), [&](const auto& e) { return e.first == name; });
      if (it == kMerges.end()) {
        reader.fail("merge_mode", "Invalid merge mode. Received: " + name +
                                      ". Merge mode should be one of {\"sum\", \"mul\", \"ave\", \"concat\", None}");
      }
      merge = it->second;
    }
  }
  const boost::json::value* layer_config = reader.raw("layer");
  const boost::json::value* backward_config = reader.raw("backward_layer");
  reader.raw("weights");  // Keras's `weights=None` argument
  reader.finish();
  if (!layer_config) reader.fail("layer", "missing required argument 'layer'");
  std::shared_ptr<RNN> forward, backward;
  {
    DeserializationContext::PathScope scope(context, "layer");
    forward =
        as_rnn(deserialize_layer(renamed(*layer_config, context.path(), "forward_", false), context), context.path());
  }
  if (backward_config && !backward_config->is_null()) {
    DeserializationContext::PathScope scope(context, "backward_layer");
    backward = as_rnn(deserialize_layer(*backward_config, context), context.path());
  } else {
    DeserializationContext::PathScope scope(context, "layer");
    backward =
        as_rnn(deserialize_layer(renamed(*layer_config, context.path(), "backward_", true), context), context.path());
  }
  try {
    return std::make_shared<Bidirectional>(std::move(forward), std::move(backward), merge, std::move(args));
  } catch (const ValueError& e) {
    throw ConfigError(context.path(), e.what());
  }
}

boost::json::object Bidirectional::get_config() const {
  boost::json::object config = base_config();
  if (merge_ == Merge::none) {
    config["merge_mode"] = nullptr;
  } else {
    for (const auto& [name, m] : kMerges) {
      if (m == merge_) config["merge_mode"] = name;
    }
  }
  config["layer"] = serialize_layer(*forward_);
  config["backward_layer"] = serialize_layer(*backward_);
  return config;
}

std::vector<LayerAttribute> Bidirectional::layer_attributes() const {
  return {LayerAttribute{"forward_layer", {forward_}}, LayerAttribute{"backward_layer", {backward_}}};
}

std::vector<PartialShape> Bidirectional::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  std::vector<PartialShape> shapes = forward_->compute_output_shape(input_shapes);
  PartialShape output = shapes[0];
  std::vector<PartialShape> states(shapes.begin() + 1, shapes.end());
  std::vector<PartialShape> out;
  if (merge_ == Merge::concat) {
    Dim& last = output[output.rank() - 1];
    if (last) last = *last * 2;
  }
  out.push_back(output);
  if (merge_ == Merge::none) out.push_back(output);
  for (int pass = 0; pass < 2; ++pass) out.insert(out.end(), states.begin(), states.end());
  return out;
}

void Bidirectional::build(const std::vector<PartialShape>& input_shapes) {
  forward_->maybe_build(input_shapes);
  backward_->maybe_build(input_shapes);
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
  std::vector<Tensor> y = (*forward_)(forward_args);
  std::vector<Tensor> y_rev = (*backward_)(backward_args);
  // The backward sequence comes in processing order: put it back in time order.
  if (forward_->args().return_sequences) y_rev[0] = ops::flip(y_rev[0], 1);
  std::vector<Tensor> out;
  switch (merge_) {
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
