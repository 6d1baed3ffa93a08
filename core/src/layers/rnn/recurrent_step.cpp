// The recurrent loop as an execution plan's step: BaseRNN::plan_inference.
#include "layers/rnn/recurrent_step.hpp"

#include "kplug/ops.hpp"
#include "kplug/ops/kernels.hpp"

#include <algorithm>
#include <array>

namespace kplug::layers {

namespace detail {

RecurrentStep::RecurrentStep(TensorSpec output, std::shared_ptr<const RecurrentCell> cell, Shape input,
                             std::int64_t state_width, const RecurrentOptions& options, bool time_order)
    : InferenceStep({std::move(output)}),
      cell_(std::move(cell)),
      input_(std::move(input)),
      state_width_(state_width),
      return_sequences_(options.return_sequences),
      go_backwards_(options.go_backwards),
      time_order_(time_order) {}

void RecurrentStep::run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
                        std::span<std::byte>) const {
  run_into(reinterpret_cast<const float*>(inputs[0]), reinterpret_cast<float*>(outputs[0]), state_width_);
}

void RecurrentStep::run_into(const float* x, float* out, std::int64_t out_stride) const {
  const std::int64_t batch = input_[0], steps = input_[1], features = shape_size(input_) / (batch * steps);
  Shape folded{steps * batch};
  for (std::size_t i = 2; i < input_.size(); ++i) folded.push_back(input_[i]);
  Tensor time_major = Tensor::empty(std::move(folded));
  for (std::int64_t t = 0; t < steps; ++t) {
    ops::kernels::copy_block(x + t * features, batch, features, steps * features,
                             time_major.data() + t * batch * features);
  }
  const Tensor projected = cell_->project_inputs(time_major);
  const std::int64_t width = projected.size() / (steps * batch), w = state_width_;
  const std::size_t count = cell_->state_count(), out_index = cell_->output_index();
  Tensor states(Shape{static_cast<std::int64_t>(count), batch, w}, 0.0f);  // Keras's zero states
  std::array<float*, kMaxStates> rows{};
  for (std::size_t i = 0; i < count; ++i) rows[i] = states.data() + static_cast<std::int64_t>(i) * batch * w;
  for (std::int64_t k = 0; k < steps; ++k) {
    const std::int64_t t = go_backwards_ ? steps - 1 - k : k;
    cell_->row_step(projected.data() + t * batch * width, {rows.data(), count}, batch);
    // Outputs in processing order (reversed for go_backwards), as Keras returns them.
    if (return_sequences_) {
      const std::int64_t at = time_order_ ? t : k;
      for (std::int64_t b = 0; b < batch; ++b) {
        std::copy_n(rows[out_index] + b * w, w, out + (b * steps + at) * out_stride);
      }
    }
  }
  if (!return_sequences_) {
    for (std::int64_t b = 0; b < batch; ++b) std::copy_n(rows[out_index] + b * w, w, out + b * out_stride);
  }
}

std::unique_ptr<RecurrentStep> plan_recurrent_loop(const BaseRNN& rnn, const std::vector<TensorSpec>& inputs,
                                                   bool time_order) {
  const RecurrentOptions& o = rnn.recurrent_options();
  const std::shared_ptr<RecurrentCell>& cell = rnn.cell();
  if (inputs.size() != 1 || inputs[0].dtype != DType::float32 || inputs[0].shape.size() < 3 || rnn.carries_states() ||
      o.return_state || !cell || !cell->has_row_step() || cell->state_count() > RecurrentStep::kMaxStates ||
      !rnn.built())
    return nullptr;
  const Shape& in = inputs[0].shape;
  if (in[0] == 0 || in[1] == 0) return nullptr;
  Shape step{in[0]};
  for (std::size_t i = 2; i < in.size(); ++i) step.push_back(in[i]);
  // Every state (batch, width) of one width: the row step's layout.
  const std::vector<PartialShape> states = cell->state_shapes(PartialShape::known(step));
  std::int64_t width = -1;
  for (const PartialShape& s : states) {
    if (s.rank() != 2 || !s[1] || (width >= 0 && *s[1] != width)) return nullptr;
    width = *s[1];
  }
  if (width < 0) return nullptr;
  TensorSpec out{o.return_sequences ? Shape{in[0], in[1], width} : Shape{in[0], width}, DType::float32};
  return std::make_unique<RecurrentStep>(std::move(out), cell, in, width, o, time_order);
}

}  // namespace detail

std::unique_ptr<InferenceStep> BaseRNN::plan_inference(const std::vector<TensorSpec>& inputs) const {
  return detail::plan_recurrent_loop(*this, inputs, false);
}

}  // namespace kplug::layers
