// The recurrent loop (Keras's RNN.call over backend.rnn), RNN itself, and what the cells share
// (the loop as an execution plan's step: recurrent_step.cpp).
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"
#include "layers/rnn/rnn_fields.hpp"

#include <algorithm>
#include <mutex>
#include <string>

namespace kplug::layers {

// ---- RecurrentCell ----

std::vector<PartialShape> RecurrentCell::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  if (input_shapes.empty()) fail("expects inputs and states");
  std::vector<PartialShape> out = state_shapes(input_shapes[0]);
  out.insert(out.begin(), out.at(output_index()));
  return out;
}

void RecurrentCell::row_step(const float*, std::span<float* const>, std::int64_t) const {
  throw NotSupportedError("Layer '" + name() + "' (" + class_name() + ") has no row step (see has_row_step)");
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

template <class Derived, class OptionsT>
DenseCell<Derived, OptionsT>::DenseCell(OptionsT options, LayerArgs args)
    : FieldsLayer<Derived, OptionsT, RNNCell>(std::move(options), std::move(args)) {
  if (this->options_.units <= 0) {
    throw ValueError("Received an invalid value for argument `units`, expected a positive integer, got " +
                     std::to_string(this->options_.units) + ".");
  }
  detail::fill_cell_defaults(this->options_);
}

template class DenseCell<SimpleRNNCell, SimpleRNNCellOptions>;
template class DenseCell<LSTMCell, LSTMCellOptions>;
template class DenseCell<GRUCell, GRUCellOptions>;

std::vector<PartialShape> RNNCell::state_shapes(const PartialShape& input_shape) const {
  if (input_shape.rank() != 2) fail("expects inputs of shape (batch, features), got " + input_shape.to_string());
  return std::vector<PartialShape>(state_count(), PartialShape{input_shape[0], units()});
}

void RNNCell::build_gates(const std::vector<PartialShape>& input_shapes, std::int64_t gates, Shape bias_shape,
                          std::shared_ptr<Initializer> bias_initializer) {
  if (input_shapes.empty()) fail("expects inputs to build");
  const PartialShape& in = input_shapes[0];
  if (in.rank() == 0 || !in[in.rank() - 1]) {
    fail("needs a known last input dimension to build, got input shape " + in.to_string());
  }
  const SimpleRNNCellOptions& o = cell_options();
  const std::int64_t input_dim = *in[in.rank() - 1];
  kernel_ = add_weight(
      {"kernel", {input_dim, gates * o.units}, o.kernel_initializer, o.kernel_regularizer, o.kernel_constraint, true});
  recurrent_kernel_ = add_weight({"recurrent_kernel",
                                  {o.units, gates * o.units},
                                  o.recurrent_initializer,
                                  o.recurrent_regularizer,
                                  o.recurrent_constraint,
                                  true});
  if (o.use_bias) {
    bias_ = add_weight(
        {"bias", std::move(bias_shape), std::move(bias_initializer), o.bias_regularizer, o.bias_constraint, true});
  }
}

Tensor RNNCell::project_inputs(const Tensor& x) const {
  Tensor y = ops::matmul(x, kernel_->value());
  if (bias_) ops::add_(y, bias_->value());
  return y;
}

// ---- BaseRNN ----

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

void BaseRNN::set_cell(std::shared_ptr<RecurrentCell> cell) {
  if (!cell) throw ValueError("RNN needs a cell (a recurrent cell layer), got none");
  cell_ = std::move(cell);
}

std::vector<LayerAttribute> BaseRNN::layer_attributes() const { return {LayerAttribute{"cell", {cell_}}}; }

std::vector<PartialShape> BaseRNN::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  if (input_shapes.empty()) fail("expects an input sequence");
  const PartialShape& in = input_shapes[0];
  if (in.rank() < 3) fail("expects inputs of shape (batch, time, features...), got " + in.to_string());
  const std::vector<PartialShape> states = cell_->state_shapes(without_time(in));
  const PartialShape& step_output = states.at(cell_->output_index());
  std::vector<PartialShape> out;
  if (recurrent_options().return_sequences) {
    std::vector<Dim> dims = step_output.dims();
    dims.insert(dims.begin() + 1, in[1]);
    out.emplace_back(std::move(dims));
  } else {
    out.push_back(step_output);
  }
  if (recurrent_options().return_state) out.insert(out.end(), states.begin(), states.end());
  return out;
}

void BaseRNN::build(const std::vector<PartialShape>& input_shapes) {
  if (input_shapes.empty()) fail("expects an input sequence to build");
  const PartialShape& in = input_shapes[0];
  if (in.rank() < 3) fail("expects inputs of shape (batch, time, features...), got " + in.to_string());
  if (recurrent_options().stateful && !in[0]) {  // Keras's words
    throw ValueError(
        "When using `stateful=True` in a RNN, the batch size must be static. Found dynamic batch size: "
        "sequence.shape=" +
        in.to_string() + " (layer '" + name() + "')");
  }
  cell_->maybe_build({without_time(in)});
}

Shape BaseRNN::checked_step_shape(const Tensor& x) const {
  if (!cell_->build_shapes() || cell_->build_shapes()->empty()) fail("has a cell that was not built from shapes");
  const PartialShape& step = cell_->build_shapes()->front();
  std::vector<Dim> dims{std::nullopt, std::nullopt};
  dims.insert(dims.end(), step.dims().begin() + 1, step.dims().end());
  const PartialShape expected(std::move(dims));
  if (!expected.compatible_with(x.shape())) {
    fail("expects inputs of shape " + expected.to_string() + ", got " + shape_repr(x.shape()));
  }
  if (x.dim(1) == 0) fail("needs at least one time step, got inputs of shape " + shape_repr(x.shape()));
  return without_time(x.shape());
}

std::vector<Tensor> BaseRNN::initial_states(const CallArgs& args, const std::vector<Shape>& state_shapes) const {
  std::vector<Tensor> states;
  const auto* initial = args.tensor_kwarg("initial_state");
  if (!initial && carries_states() && !carried_states_.empty()) {
    if (carried_states_[0].dim(0) != state_shapes[0][0]) {  // Keras's words
      fail(
          "is stateful: the batch size of the input sequences must be the same as the batch size of the initial "
          "state. Expected batch size: " +
          std::to_string(carried_states_[0].dim(0)) + ", received batch size: " + std::to_string(state_shapes[0][0]) +
          " (reset_states() starts again)");
    }
    return carried_states_;
  }
  if (!initial) {
    for (const Shape& s : state_shapes) states.emplace_back(s);
    return states;
  }
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
  return states;
}

std::optional<Tensor> BaseRNN::time_major_mask(const CallArgs& args, std::int64_t batch, std::int64_t steps) const {
  const Tensor* m = args.mask(0);
  if (!m) return std::nullopt;
  if (m->shape() != Shape{batch, steps}) {
    fail("expects a mask of shape " + shape_repr({batch, steps}) + ", got " + shape_repr(m->shape()));
  }
  return ops::moveaxis(*m, 1, 0);
}

void BaseRNN::reset_states() {
  const std::lock_guard lock(carry_mutex_);
  carried_states_.clear();
}

std::vector<Tensor> BaseRNN::call(CallArgs& args) {
  if (args.inputs.size() != 1) fail("expects one input sequence, got " + std::to_string(args.inputs.size()));
  // A call that carries states reads and replaces them as one step (see rnn.hpp).
  std::unique_lock carrying(carry_mutex_, std::defer_lock);
  if (carries_states()) carrying.lock();
  const Tensor& x = args.inputs[0];
  const Shape step_shape = checked_step_shape(x);
  const std::int64_t batch = x.dim(0), steps = x.dim(1);
  std::vector<Shape> state_shapes;
  for (const PartialShape& s : cell_->state_shapes(PartialShape::known(step_shape))) {
    state_shapes.push_back(s.to_shape("state shape"));
  }
  std::vector<Tensor> states = initial_states(args, state_shapes);
  // Time-major, so that each step's rows are one contiguous O(1) slice.
  const std::optional<Tensor> mask = time_major_mask(args, batch, steps);
  Shape folded{steps * batch};
  for (std::size_t i = 1; i < step_shape.size(); ++i) folded.push_back(step_shape[i]);
  const Tensor projected = cell_->project_inputs(ops::moveaxis(x, 1, 0).reshape(folded));
  std::vector<Tensor> result = run(projected, mask, states, batch);
  if (carries_states()) carried_states_ = std::move(states);
  return result;
}

// Leaves the final states in `states`.
std::vector<Tensor> BaseRNN::run(const Tensor& projected, const std::optional<Tensor>& mask,
                                 std::vector<Tensor>& states, std::int64_t batch) const {
  const RecurrentOptions& o = recurrent_options();
  const std::int64_t steps = projected.dim(0) / batch;
  const std::size_t out_index = cell_->output_index();
  Shape projected_step = projected.shape();
  projected_step[0] = batch;
  std::vector<Tensor> outputs;
  if (o.return_sequences) outputs.reserve(static_cast<std::size_t>(steps));
  Tensor last;
  std::optional<Tensor> zeros;
  if (mask && o.zero_output_for_mask) zeros = Tensor(states[out_index].shape());
  for (std::int64_t k = 0; k < steps; ++k) {
    const std::int64_t t = o.go_backwards ? steps - 1 - k : k;
    std::vector<Tensor> next =
        cell_->step(projected.slice_rows(t * batch, (t + 1) * batch).reshape(projected_step), states);
    Tensor output = next[out_index];
    if (mask) {
      // Keras's backend.rnn: a masked step keeps the states and repeats the previous
      // output (the output state), or gives zeros.
      const Tensor m_t = mask->slice_rows(t, t + 1);
      output = ops::where(mask_for_rank(m_t, batch, output.rank()), output, zeros ? *zeros : states[out_index]);
      for (std::size_t i = 0; i < next.size(); ++i) {
        next[i] = ops::where(mask_for_rank(m_t, batch, next[i].rank()), next[i], states[i]);
      }
    }
    states = std::move(next);
    if (o.return_sequences) outputs.push_back(output);
    last = std::move(output);
  }
  // Outputs stay in processing order (reversed for go_backwards), as Keras returns them.
  std::vector<Tensor> result;
  result.push_back(o.return_sequences ? ops::stack(outputs, 1) : std::move(last));
  if (o.return_state) result.insert(result.end(), states.begin(), states.end());
  return result;
}

// ---- RNN ----

const config::Fields<RNN::Options>& RNN::fields() {
  static const config::Fields<Options> list =
      config::Fields<Options>(detail::recurrent_fields()) +
      config::Fields<Options>{
          detail::sub_layer_field<Options, RecurrentCell>(
              "cell", &Options::cell,
              [](ConfigReader& r, const boost::json::value& v, Options&) -> std::shared_ptr<RecurrentCell> {
                DeserializationContext& context = r.context();
                const auto* cells = v.if_array();
                if (!cells) return detail::as_recurrent_cell(deserialize_layer(v, context), context.path());
                // Keras's RNN(cell=[...]) stacks them (its config then holds the StackedRNNCells).
                StackedRNNCellsOptions stack;
                for (std::size_t i = 0; i < cells->size(); ++i) {
                  DeserializationContext::PathScope item(context, "[" + std::to_string(i) + "]");
                  stack.cells.push_back(
                      detail::as_recurrent_cell(deserialize_layer((*cells)[i], context), context.path()));
                }
                return std::make_shared<StackedRNNCells>(std::move(stack), LayerArgs{});
              })
              .required()};
  return list;
}

RNN::RNN(Options options, LayerArgs args) : RNNLayer(std::move(options), std::move(args)) { set_cell(options_.cell); }

}  // namespace kplug::layers
