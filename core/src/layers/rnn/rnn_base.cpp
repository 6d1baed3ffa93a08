// The recurrent loop (Keras's RNN.call over backend.rnn) and what the cells share.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"
#include "layers/rnn/rnn_fields.hpp"

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

void fill_cell_defaults(RecurrentArgs& args) {
  if (!args.activation) args.activation = builtin_activation("tanh");
  if (!args.recurrent_activation) args.recurrent_activation = builtin_activation("sigmoid");
  if (!args.kernel_initializer) args.kernel_initializer = std::make_shared<initializers::GlorotUniform>();
  if (!args.recurrent_initializer) args.recurrent_initializer = std::make_shared<initializers::Orthogonal>();
  if (!args.bias_initializer) args.bias_initializer = std::make_shared<initializers::Zeros>();
  args.activity_regularizer = nullptr;  // a layer's, not a cell's
}

LayerArgs cell_layer_args(const LayerArgs& layer_args, std::string cell_name) {
  LayerArgs out;
  out.name = std::move(cell_name);
  out.trainable = layer_args.trainable;
  return out;
}

}  // namespace detail

// ---- RecurrentCell ----

std::vector<PartialShape> RecurrentCell::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  if (input_shapes.empty()) fail("expects inputs and states");
  std::vector<PartialShape> out = state_shapes(input_shapes[0]);
  out.insert(out.begin(), out.at(output_index()));
  return out;
}

std::vector<Tensor> RecurrentCell::call(CallArgs& args) {
  if (args.inputs.empty()) fail("expects inputs");
  const Tensor& x = args.inputs[0];
  if (build_shapes() && !build_shapes()->empty()) {
    PartialShape expected = build_shapes()->front();
    if (expected.rank() > 0) expected[0] = std::nullopt;
    if (!expected.compatible_with(x.shape())) {
      fail("expects inputs of shape " + expected.to_string() + ", got " + shape_repr(x.shape()));
    }
  }
  const std::vector<PartialShape> shapes = state_shapes(PartialShape::known(x.shape()));
  std::vector<Tensor> states(args.inputs.begin() + 1, args.inputs.end());
  if (states.empty()) {
    for (const PartialShape& s : shapes) states.emplace_back(s.to_shape("state shape"));
  }
  if (states.size() != shapes.size()) {
    fail("expects " + std::to_string(shapes.size()) + " state(s), got " + std::to_string(states.size()));
  }
  for (std::size_t i = 0; i < states.size(); ++i) {
    if (!shapes[i].compatible_with(states[i].shape())) {
      fail("expects states of shape " + shapes[i].to_string() + ", got " + shape_repr(states[i].shape()));
    }
  }
  std::vector<Tensor> new_states = step(project_inputs(x), states);
  std::vector<Tensor> out{new_states.at(output_index())};
  for (auto& s : new_states) out.push_back(std::move(s));
  return out;
}

// ---- RNNCell ----

RNNCell::RNNCell(RecurrentArgs args, LayerArgs layer_args)
    : RecurrentCell(std::move(layer_args)), args_(std::move(args)) {
  if (args_.units <= 0) {
    throw ValueError("Received an invalid value for argument `units`, expected a positive integer, got " +
                     std::to_string(args_.units) + ".");
  }
  detail::fill_cell_defaults(args_);
}

boost::json::object RNNCell::get_config() const {
  boost::json::object config = base_config();
  config.erase("activity_regularizer");
  fields().write_into(args_, config);
  return config;
}

std::vector<PartialShape> RNNCell::state_shapes(const PartialShape& input_shape) const {
  if (input_shape.rank() != 2) fail("expects inputs of shape (batch, features), got " + input_shape.to_string());
  return std::vector<PartialShape>(state_count(), PartialShape{input_shape[0], args_.units});
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

// ---- RNN ----

namespace {

// Shape without axis 1 (the time axis).
Shape without_time(const Shape& shape) {
  Shape out{shape[0]};
  for (std::size_t i = 2; i < shape.size(); ++i) out.push_back(shape[i]);
  return out;
}

PartialShape without_time(const PartialShape& shape) {
  std::vector<Dim> dims{shape[0]};
  dims.insert(dims.end(), shape.dims().begin() + 2, shape.dims().end());
  return PartialShape(std::move(dims));
}

// (batch) mask values as (batch, 1, ...) of `rank`, to broadcast against a state.
Tensor mask_for_rank(const Tensor& mask_t, std::int64_t batch, std::int64_t rank) {
  Shape shape(static_cast<std::size_t>(rank), 1);
  shape[0] = batch;
  return mask_t.reshape(std::move(shape));
}

}  // namespace

RNN::RNN(RecurrentArgs args, std::shared_ptr<RecurrentCell> cell, LayerArgs layer_args)
    : Layer(std::move(layer_args)), args_(std::move(args)), cell_(std::move(cell)) {
  if (!cell_) throw ValueError("RNN needs a cell (a recurrent cell layer), got none");
  if (args_.stateful) {
    throw NotSupportedError(class_name() + " with stateful=True is not supported: kplug keeps no state between calls");
  }
}

std::shared_ptr<RNN> RNN::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "RNN");
  LayerArgs layer_args = LayerArgs::read(reader);
  RecurrentArgs args;
  detail::rnn_layer_fields().read_into(reader, args);
  const boost::json::value* cell_config = reader.raw("cell");
  reader.finish();
  if (args.stateful) {
    throw NotSupportedError(context.path_of("stateful") +
                            ": RNN with stateful=True is not supported: kplug keeps no state between calls");
  }
  if (!cell_config) reader.fail("cell", "missing required argument 'cell'");
  std::shared_ptr<RecurrentCell> cell;
  {
    DeserializationContext::PathScope scope(context, "cell");
    if (const auto* list = cell_config->if_array()) {
      // Keras's RNN(cell=[...]) stacks them (its config then holds the StackedRNNCells).
      std::vector<std::shared_ptr<RecurrentCell>> cells;
      for (std::size_t i = 0; i < list->size(); ++i) {
        DeserializationContext::PathScope item(context, "[" + std::to_string(i) + "]");
        cells.push_back(detail::as_recurrent_cell(deserialize_layer((*list)[i], context), context.path()));
      }
      cell = std::make_shared<StackedRNNCells>(std::move(cells), LayerArgs{});
    } else {
      cell = detail::as_recurrent_cell(deserialize_layer(*cell_config, context), context.path());
    }
  }
  return std::make_shared<RNN>(std::move(args), std::move(cell), std::move(layer_args));
}

boost::json::object RNN::get_config() const {
  boost::json::object config = base_config();
  detail::rnn_layer_fields().write_into(args_, config);
  write_cell_config(config);
  return config;
}

void RNN::write_cell_config(boost::json::object& config) const { config["cell"] = serialize_layer(*cell_); }

std::vector<LayerAttribute> RNN::layer_attributes() const { return {LayerAttribute{"cell", {cell_}}}; }

std::vector<PartialShape> RNN::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  if (input_shapes.empty()) fail("expects an input sequence");
  const PartialShape& in = input_shapes[0];
  if (in.rank() < 3) fail("expects inputs of shape (batch, time, features...), got " + in.to_string());
  const std::vector<PartialShape> states = cell_->state_shapes(without_time(in));
  const PartialShape& step_output = states.at(cell_->output_index());
  std::vector<PartialShape> out;
  if (args_.return_sequences) {
    std::vector<Dim> dims = step_output.dims();
    dims.insert(dims.begin() + 1, in[1]);
    out.emplace_back(std::move(dims));
  } else {
    out.push_back(step_output);
  }
  if (args_.return_state) out.insert(out.end(), states.begin(), states.end());
  return out;
}

void RNN::build(const std::vector<PartialShape>& input_shapes) {
  if (input_shapes.empty()) fail("expects an input sequence to build");
  const PartialShape& in = input_shapes[0];
  if (in.rank() < 3) fail("expects inputs of shape (batch, time, features...), got " + in.to_string());
  cell_->maybe_build({without_time(in)});
}

std::vector<Tensor> RNN::call(CallArgs& args) {
  if (args.inputs.size() != 1) fail("expects one input sequence, got " + std::to_string(args.inputs.size()));
  const Tensor& x = args.inputs[0];
  if (!cell_->build_shapes() || cell_->build_shapes()->empty()) fail("has a cell that was not built from shapes");
  {
    const PartialShape& step = cell_->build_shapes()->front();
    std::vector<Dim> dims{std::nullopt, std::nullopt};
    dims.insert(dims.end(), step.dims().begin() + 1, step.dims().end());
    const PartialShape expected(std::move(dims));
    if (!expected.compatible_with(x.shape())) {
      fail("expects inputs of shape " + expected.to_string() + ", got " + shape_repr(x.shape()));
    }
  }
  const std::int64_t batch = x.dim(0), steps = x.dim(1);
  if (steps == 0) fail("needs at least one time step, got inputs of shape " + shape_repr(x.shape()));
  const Shape step_shape = without_time(x.shape());
  std::vector<Shape> state_shapes;
  for (const PartialShape& s : cell_->state_shapes(PartialShape::known(step_shape))) {
    state_shapes.push_back(s.to_shape("state shape"));
  }
  const std::size_t out_index = cell_->output_index();

  std::vector<Tensor> states;
  if (const auto* initial = args.tensor_kwarg("initial_state")) {
    if (initial->size() != state_shapes.size()) {
      fail("expects " + std::to_string(state_shapes.size()) + " initial state tensor(s), got " +
           std::to_string(initial->size()));
    }
    for (std::size_t i = 0; i < initial->size(); ++i) {
      const Tensor& s = (*initial)[i];
      if (s.shape() != state_shapes[i]) {
        fail("expects initial states of shape " + shape_repr(state_shapes[i]) + ", got " + shape_repr(s.shape()));
      }
      states.push_back(s);
    }
  } else {
    for (const Shape& s : state_shapes) states.emplace_back(s);
  }

  // Time-major, so that each step's rows are one contiguous O(1) slice.
  std::optional<Tensor> mask;
  if (const Tensor* m = args.mask(0)) {
    if (m->shape() != Shape{batch, steps}) {
      fail("expects a mask of shape " + shape_repr({batch, steps}) + ", got " + shape_repr(m->shape()));
    }
    mask = ops::moveaxis(*m, 1, 0);
  }
  Shape folded{steps * batch};
  for (std::size_t i = 1; i < step_shape.size(); ++i) folded.push_back(step_shape[i]);
  const Tensor projected = cell_->project_inputs(ops::moveaxis(x, 1, 0).reshape(folded));
  Shape projected_step = projected.shape();
  projected_step[0] = batch;

  std::vector<Tensor> outputs;
  if (args_.return_sequences) outputs.reserve(static_cast<std::size_t>(steps));
  Tensor last;
  std::optional<Tensor> zeros;
  if (mask && args_.zero_output_for_mask) zeros = Tensor(state_shapes[out_index]);
  for (std::int64_t k = 0; k < steps; ++k) {
    const std::int64_t t = args_.go_backwards ? steps - 1 - k : k;
    std::vector<Tensor> next =
        cell_->step(projected.slice_rows(t * batch, (t + 1) * batch).reshape(projected_step), states);
    Tensor output = next[out_index];
    if (mask) {
      // Keras's backend.rnn: a masked step keeps the states and repeats the previous
      // output (the output state), or gives zeros.
      const Tensor m_t = mask->slice_rows(t, t + 1);
      const Tensor m = mask_for_rank(m_t, batch, output.rank());
      output = ops::where(m, output, zeros ? *zeros : states[out_index]);
      for (std::size_t i = 0; i < next.size(); ++i) {
        next[i] = ops::where(mask_for_rank(m_t, batch, next[i].rank()), next[i], states[i]);
      }
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

// ---- the flat layers ----

namespace detail {

void write_flat_cell_config(const RNN& layer, const config::Fields<RecurrentArgs>& fields,
                            boost::json::object& config) {
  RecurrentArgs args = static_cast<const RNNCell&>(*layer.cell()).args();
  args.activity_regularizer = layer.activity_regularizer();
  config.erase("activity_regularizer");
  fields.write_into(args, config);
}

std::shared_ptr<RecurrentCell> as_recurrent_cell(LayerPtr layer, const std::string& path) {
  auto cell = std::dynamic_pointer_cast<RecurrentCell>(layer);
  if (!cell) {
    throw NotSupportedError(path +
                            ": expected a recurrent cell (SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells), got " +
                            layer->class_name());
  }
  return cell;
}

}  // namespace detail

}  // namespace kplug::layers
