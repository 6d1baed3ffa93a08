// The recurrent loop (Keras's RNN.call over backend.rnn) and what the cells share.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/layers/recurrent.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"
#include "layers/core/activation_helpers.hpp"
#include "layers/recurrent/recurrent_fields.hpp"

#include <map>
#include <string>

namespace kplug::layers {

namespace detail {

namespace {

using Args = RecurrentArgs;

// Unlike layers::activation_field, an absent key keeps the class default (tanh, sigmoid).
config::Field<Args> recurrent_activation_field(std::string key, std::shared_ptr<Activation> Args::*member) {
  return config::custom_field<Args>(
      std::move(key),
      [member](ConfigReader& r, std::string_view k, const boost::json::value& v, Args& a) {
        // Keras's activations.get(None) is the identity.
        a.*member = v.is_null() ? builtin_activation("linear") : r.context().object<Activation>(v, k);
      },
      [member](const Args& a) { return serialize_activation(a.*member); });
}

std::string check_probability(const Number& n) {
  if (!(n.value >= 0.0 && n.value <= 1.0)) return "expected a float between 0 and 1, got " + json::excerpt(n.to_json());
  return {};
}

const std::map<std::string, config::Field<Args>, std::less<>>& all_fields() {
  static const auto fields = [] {
    std::map<std::string, config::Field<Args>, std::less<>> m;
    auto add = [&](config::Field<Args> f) {
      const std::string key = f.key();
      m.emplace(key, std::move(f));
    };
    add(config::field("return_sequences", &Args::return_sequences));
    add(config::field("return_state", &Args::return_state));
    add(config::field("go_backwards", &Args::go_backwards));
    add(config::field("stateful", &Args::stateful));
    add(config::field("unroll", &Args::unroll));
    add(config::field("zero_output_for_mask", &Args::zero_output_for_mask));
    add(config::field("units", &Args::units).check([](const std::int64_t& u) {
      return u > 0 ? std::string()
                   : "Received an invalid value for argument `units`, expected a positive integer, got " +
                         std::to_string(u) + ".";
    }));
    add(recurrent_activation_field("activation", &Args::activation));
    add(recurrent_activation_field("recurrent_activation", &Args::recurrent_activation));
    add(config::field("use_bias", &Args::use_bias));
    add(config::field("kernel_initializer", &Args::kernel_initializer));
    add(config::field("recurrent_initializer", &Args::recurrent_initializer));
    add(config::field("bias_initializer", &Args::bias_initializer));
    add(config::field("unit_forget_bias", &Args::unit_forget_bias));
    add(config::field("kernel_regularizer", &Args::kernel_regularizer));
    add(config::field("recurrent_regularizer", &Args::recurrent_regularizer));
    add(config::field("bias_regularizer", &Args::bias_regularizer));
    // Read by LayerArgs::read (the Layer holds it); written here at Keras's place.
    add(config::custom_field<Args>(
        "activity_regularizer", [](ConfigReader&, std::string_view, const boost::json::value&, Args&) {},
        [](const Args& a) { return serialize(a.activity_regularizer); }));
    add(config::field("kernel_constraint", &Args::kernel_constraint));
    add(config::field("recurrent_constraint", &Args::recurrent_constraint));
    add(config::field("bias_constraint", &Args::bias_constraint));
    add(config::field("dropout", &Args::dropout).check(check_probability));
    add(config::field("recurrent_dropout", &Args::recurrent_dropout).check(check_probability));
    add(config::field("reset_after", &Args::reset_after));
    add(config::field("seed", &Args::seed));
    return m;
  }();
  return fields;
}

void require_units(ConfigReader& reader) {
  if (!reader.has("units")) reader.fail("units", "missing required argument 'units'");
}

}  // namespace

config::Fields<RecurrentArgs> recurrent_fields(std::initializer_list<std::string_view> keys) {
  config::Fields<Args> out;
  for (std::string_view key : keys) {
    const bool read_only = !key.empty() && key.back() == '?';
    if (read_only) key.remove_suffix(1);
    auto it = all_fields().find(key);
    if (it == all_fields().end()) throw std::logic_error("recurrent_fields: unknown key " + std::string(key));
    config::Field<Args> f = it->second;
    if (read_only) f.read_only();
    out += config::Fields<Args>{f};
  }
  return out;
}

const config::Fields<RecurrentArgs>& rnn_layer_fields() {
  static const auto fields = recurrent_fields(
      {"return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask"});
  return fields;
}

RecurrentConfig read_rnn_layer_config(const boost::json::object& config, DeserializationContext& context,
                                      const std::string& class_name, const config::Fields<RecurrentArgs>& fields) {
  ConfigReader reader(config, context, class_name);
  RecurrentConfig out{{}, LayerArgs::read(reader)};
  rnn_layer_fields().read_into(reader, out.args);
  fields.read_into(reader, out.args);
  require_units(reader);
  if (out.args.stateful) {
    throw NotSupportedError(context.path_of("stateful") + ": " + class_name +
                            " with stateful=True is not supported: kplug keeps no state between calls");
  }
  // Accepted by Keras's constructors, never written: the numbers do not depend on them.
  if (const auto* v = reader.raw("implementation");
      v && !(v->is_int64() && (v->get_int64() == 1 || v->get_int64() == 2))) {
    reader.fail("implementation", "expected 1 or 2, got " + json::excerpt(*v));
  }
  if (const auto* v = reader.raw("use_cudnn"); v && !v->is_bool() && !(v->is_string() && v->get_string() == "auto")) {
    reader.fail("use_cudnn", "expected one of {'auto', True, False}, got " + json::excerpt(*v));
  }
  reader.finish();
  out.args.activity_regularizer = out.layer_args.activity_regularizer;
  return out;
}

RecurrentConfig read_cell_config(const boost::json::object& config, DeserializationContext& context,
                                 const std::string& class_name, const config::Fields<RecurrentArgs>& fields) {
  ConfigReader reader(config, context, class_name);
  RecurrentConfig out{{}, LayerArgs::read(reader)};
  fields.read_into(reader, out.args);
  require_units(reader);
  if (const auto* v = reader.raw("implementation");
      v && !(v->is_int64() && (v->get_int64() == 1 || v->get_int64() == 2))) {
    reader.fail("implementation", "expected 1 or 2, got " + json::excerpt(*v));
  }
  reader.finish();
  return out;
}

LayerArgs cell_layer_args(const LayerArgs& layer_args, std::string cell_name) {
  LayerArgs out;
  out.name = std::move(cell_name);
  out.trainable = layer_args.trainable;
  return out;
}

}  // namespace detail

// ---- RNNCell ----

RNNCell::RNNCell(RecurrentArgs args, LayerArgs layer_args) : Layer(std::move(layer_args)), args_(std::move(args)) {
  if (args_.units <= 0) {
    throw ValueError("Received an invalid value for argument `units`, expected a positive integer, got " +
                     std::to_string(args_.units) + ".");
  }
  if (!args_.activation) args_.activation = detail::builtin_activation("tanh");
  if (!args_.recurrent_activation) args_.recurrent_activation = detail::builtin_activation("sigmoid");
  if (!args_.kernel_initializer) args_.kernel_initializer = std::make_shared<initializers::GlorotUniform>();
  if (!args_.recurrent_initializer) args_.recurrent_initializer = std::make_shared<initializers::Orthogonal>();
  if (!args_.bias_initializer) args_.bias_initializer = std::make_shared<initializers::Zeros>();
  args_.activity_regularizer = nullptr;  // a layer's, not a cell's
}

boost::json::object RNNCell::get_config() const {
  boost::json::object config = base_config();
  config.erase("activity_regularizer");
  fields().write_into(args_, config);
  return config;
}

std::vector<PartialShape> RNNCell::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  if (input_shapes.empty()) fail("expects inputs and states");
  const PartialShape& in = input_shapes[0];
  if (in.rank() != 2) fail("expects inputs of shape (batch, features), got " + in.to_string());
  return std::vector<PartialShape>(1 + state_count(), PartialShape{in[0], args_.units});
}

void RNNCell::build_gates(const std::vector<PartialShape>& input_shapes, std::int64_t gates, Shape bias_shape,
                          std::shared_ptr<Initializer> bias_initializer) {
  if (input_shapes.empty()) fail("expects inputs to build");
  const PartialShape& in = input_shapes[0];
  if (in.rank() == 0 || !in[in.rank() - 1]) {
    fail("needs a known last input dimension to build, got input shape " + in.to_string());
  }
  const std::int64_t input_dim = *in[in.rank() - 1];
  kernel_ = add_weight({"kernel",
                        {input_dim, gates * args_.units},
                        args_.kernel_initializer,
                        args_.kernel_regularizer,
                        args_.kernel_constraint,
                        true});
  recurrent_kernel_ = add_weight({"recurrent_kernel",
                                  {args_.units, gates * args_.units},
                                  args_.recurrent_initializer,
                                  args_.recurrent_regularizer,
                                  args_.recurrent_constraint,
                                  true});
  if (args_.use_bias) {
    bias_ = add_weight({"bias", std::move(bias_shape), std::move(bias_initializer), args_.bias_regularizer,
                        args_.bias_constraint, true});
  }
}

Tensor RNNCell::project_inputs(const Tensor& x) const {
  Tensor y = ops::matmul(x, kernel_->value());
  if (bias_) ops::add_(y, bias_->value());
  return y;
}

std::vector<Tensor> RNNCell::call(CallArgs& args) {
  if (args.inputs.empty()) fail("expects inputs");
  const Tensor& x = args.inputs[0];
  if (x.rank() != 2 || x.dim(1) != kernel_->shape()[0]) {
    fail("expects inputs of shape (batch, " + std::to_string(kernel_->shape()[0]) + "), got " + shape_repr(x.shape()));
  }
  std::vector<Tensor> states(args.inputs.begin() + 1, args.inputs.end());
  if (states.empty()) {
    for (std::size_t i = 0; i < state_count(); ++i) states.emplace_back(Shape{x.dim(0), args_.units});
  }
  if (states.size() != state_count()) {
    fail("expects " + std::to_string(state_count()) + " state(s), got " + std::to_string(states.size()));
  }
  for (const Tensor& s : states) {
    if (s.shape() != Shape{x.dim(0), args_.units}) {
      fail("expects states of shape " + shape_repr({x.dim(0), args_.units}) + ", got " + shape_repr(s.shape()));
    }
  }
  std::vector<Tensor> new_states = step(project_inputs(x), states);
  std::vector<Tensor> out{new_states[0]};
  for (auto& s : new_states) out.push_back(std::move(s));
  return out;
}

// ---- RNN ----

RNN::RNN(RecurrentArgs args, std::shared_ptr<RNNCell> cell, LayerArgs layer_args)
    : Layer(std::move(layer_args)), args_(std::move(args)), cell_(std::move(cell)) {
  if (args_.stateful) {
    throw NotSupportedError(class_name() + " with stateful=True is not supported: kplug keeps no state between calls");
  }
}

boost::json::object RNN::get_config() const {
  boost::json::object config = base_config();
  config.erase("activity_regularizer");
  // The cell holds the cell keys (and their defaults); the layer the RNN ones.
  RecurrentArgs args = cell_->args();
  args.return_sequences = args_.return_sequences;
  args.return_state = args_.return_state;
  args.go_backwards = args_.go_backwards;
  args.stateful = args_.stateful;
  args.unroll = args_.unroll;
  args.zero_output_for_mask = args_.zero_output_for_mask;
  args.activity_regularizer = activity_regularizer();
  detail::rnn_layer_fields().write_into(args, config);
  fields().write_into(args, config);
  return config;
}

std::vector<LayerAttribute> RNN::layer_attributes() const { return {LayerAttribute{"cell", {cell_}}}; }

std::vector<PartialShape> RNN::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  if (input_shapes.empty()) fail("expects an input sequence");
  const PartialShape& in = input_shapes[0];
  if (in.rank() != 3) fail("expects inputs of shape (batch, time, features), got " + in.to_string());
  std::vector<PartialShape> out;
  const std::int64_t units = cell_->units();
  out.push_back(args_.return_sequences ? PartialShape{in[0], in[1], units} : PartialShape{in[0], units});
  if (args_.return_state) {
    for (std::size_t i = 0; i < cell_->state_count(); ++i) out.push_back(PartialShape{in[0], units});
  }
  return out;
}

void RNN::build(const std::vector<PartialShape>& input_shapes) {
  if (input_shapes.empty()) fail("expects an input sequence to build");
  const PartialShape& in = input_shapes[0];
  if (in.rank() != 3) fail("expects inputs of shape (batch, time, features), got " + in.to_string());
  cell_->maybe_build({PartialShape{in[0], in[2]}});
}

std::vector<Tensor> RNN::call(CallArgs& args) {
  if (args.inputs.size() != 1) fail("expects one input sequence, got " + std::to_string(args.inputs.size()));
  const Tensor& x = args.inputs[0];
  const std::int64_t input_dim = cell_->kernel()->shape()[0];
  if (x.rank() != 3 || x.dim(2) != input_dim) {
    fail("expects inputs of shape (batch, time, " + std::to_string(input_dim) + "), got " + shape_repr(x.shape()));
  }
  const std::int64_t batch = x.dim(0), steps = x.dim(1), units = cell_->units();
  if (steps == 0) fail("needs at least one time step, got inputs of shape " + shape_repr(x.shape()));
  const Shape state_shape{batch, units};

  std::vector<Tensor> states;
  if (const auto* initial = args.tensor_kwarg("initial_state")) {
    if (initial->size() != cell_->state_count()) {
      fail("expects " + std::to_string(cell_->state_count()) + " initial state tensor(s), got " +
           std::to_string(initial->size()));
    }
    for (const Tensor& s : *initial) {
      if (s.shape() != state_shape) {
        fail("expects initial states of shape " + shape_repr(state_shape) + ", got " + shape_repr(s.shape()));
      }
      states.push_back(s);
    }
  } else {
    for (std::size_t i = 0; i < cell_->state_count(); ++i) states.emplace_back(state_shape);
  }

  // Time-major, so that each step's rows are one contiguous O(1) slice.
  std::optional<Tensor> mask;
  if (const Tensor* m = args.mask(0)) {
    if (m->shape() != Shape{batch, steps}) {
      fail("expects a mask of shape " + shape_repr({batch, steps}) + ", got " + shape_repr(m->shape()));
    }
    mask = ops::moveaxis(*m, 1, 0);
  }
  const Tensor projected =
      cell_->project_inputs(ops::moveaxis(x, 1, 0).reshape({steps * batch, input_dim})).reshape({steps, batch, -1});
  const std::int64_t width = projected.dim(2);

  std::vector<Tensor> outputs;
  if (args_.return_sequences) outputs.reserve(static_cast<std::size_t>(steps));
  Tensor last;
  const Tensor zeros(state_shape);
  for (std::int64_t k = 0; k < steps; ++k) {
    const std::int64_t t = args_.go_backwards ? steps - 1 - k : k;
    std::vector<Tensor> next = cell_->step(projected.slice_rows(t, t + 1).reshape({batch, width}), states);
    Tensor output = next[0];
    if (mask) {
      // Keras's backend.rnn: a masked step keeps the states and repeats the previous
      // output (the first state), or gives zeros.
      const Tensor m = mask->slice_rows(t, t + 1).reshape({batch, 1});
      output = ops::where(m, output, args_.zero_output_for_mask ? zeros : states[0]);
      for (std::size_t i = 0; i < next.size(); ++i) next[i] = ops::where(m, next[i], states[i]);
    }
    states = std::move(next);
    if (args_.return_sequences) outputs.push_back(output);
    last = std::move(output);
  }
  // Outputs stay in processing order (reversed for go_backwards), as Keras returns them.
  std::vector<Tensor> result;
  result.push_back(args_.return_sequences ? ops::stack(outputs, 1) : std::move(last));
  if (args_.return_state) {
    for (auto& s : states) result.push_back(std::move(s));
  }
  return result;
}

}  // namespace kplug::layers
