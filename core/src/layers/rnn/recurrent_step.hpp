// The recurrent loop of a BaseRNN as an execution plan's step (BaseRNN::plan_inference), and
// as a part of Bidirectional's.
#pragma once

#include "kplug/layers/inference_step.hpp"
#include "kplug/layers/rnn.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace kplug::layers::detail {

// The whole loop from zero states: the inputs made time-major and projected at once (the
// cell's project_inputs), then the cell's row step per time step. Scratch tensors come from
// the call's buffer pool.
class RecurrentStep final : public InferenceStep {
 public:
  // `time_order`: a backward loop's sequence in time order (Bidirectional's), not processing order.
  RecurrentStep(TensorSpec output, std::shared_ptr<const RecurrentCell> cell, Shape input, std::int64_t state_width,
                const RecurrentOptions& options, bool time_order);

  std::int64_t width() const noexcept { return state_width_; }
  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override;
  // The loop over the input at `x`, each output row (state_width values) written `out_stride`
  // values after the previous one: a concatenation's half writes straight into its place.
  void run_into(const float* x, float* out, std::int64_t out_stride) const;

  static constexpr std::size_t kMaxStates = 4;

 private:
  std::shared_ptr<const RecurrentCell> cell_;
  Shape input_;
  std::int64_t state_width_;
  bool return_sequences_, go_backwards_, time_order_;
};

// `rnn`'s loop for one float32 (batch, time, features...) input, or null when it has no such
// step (a cell without a row step, carried states, return_state, states of several widths).
std::unique_ptr<RecurrentStep> plan_recurrent_loop(const BaseRNN& rnn, const std::vector<TensorSpec>& inputs,
                                                   bool time_order);

}  // namespace kplug::layers::detail
