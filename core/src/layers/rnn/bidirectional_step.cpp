// Bidirectional as an execution plan's step: both loops (recurrent_step.hpp), the backward
// one's sequence in time order, merged as Bidirectional::call merges them.
#include "kplug/layers/rnn.hpp"
#include "kplug/ops/kernels.hpp"
#include "layers/rnn/recurrent_step.hpp"

namespace kplug::layers {

namespace {

using Merge = Bidirectional::Merge;

class BidirectionalStep final : public InferenceStep {
 public:
  // concat writes each half into its place; sum, mul and ave need the backward output apart.
  BidirectionalStep(std::vector<TensorSpec> outputs, std::unique_ptr<detail::RecurrentStep> forward,
                    std::unique_ptr<detail::RecurrentStep> backward, Merge merge)
      : InferenceStep(std::move(outputs), merges_apart(merge) ? backward->outputs()[0].nbytes() : 0),
        forward_(std::move(forward)),
        backward_(std::move(backward)),
        merge_(merge) {}

  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte> workspace) const override {
    const auto* x = reinterpret_cast<const float*>(inputs[0]);
    auto* out = reinterpret_cast<float*>(outputs[0]);
    const std::int64_t w = forward_->width();
    if (merge_ == Merge::concat) {
      forward_->run_into(x, out, 2 * w);
      backward_->run_into(x, out + w, 2 * w);
      return;
    }
    forward_->run_into(x, out, w);
    if (merge_ == Merge::none) return backward_->run_into(x, reinterpret_cast<float*>(outputs[1]), w);
    auto* backward = reinterpret_cast<float*>(workspace.data());
    backward_->run_into(x, backward, w);
    const std::int64_t n = shape_size(InferenceStep::outputs()[0].shape);
    namespace k = ops::kernels;
    switch (merge_) {
      case Merge::sum: return k::add(out, backward, out, n);
      case Merge::mul: return k::multiply(out, backward, out, n);
      case Merge::ave: k::add(out, backward, out, n); return k::divide(out, 2.0f, out, n);
      default: return;
    }
  }

 private:
  static bool merges_apart(Merge merge) { return merge != Merge::concat && merge != Merge::none; }

  std::unique_ptr<detail::RecurrentStep> forward_, backward_;
  Merge merge_;
};

}  // namespace

std::unique_ptr<InferenceStep> Bidirectional::plan_inference(const std::vector<TensorSpec>& inputs) const {
  const BaseRNN* forward = forward_layer().get();
  const BaseRNN* backward = backward_layer().get();
  // The wrapped layers' activity regularizers are left to their calls, as a model's own are.
  if (!built() || !forward || !backward || forward->activity_regularizer() || backward->activity_regularizer())
    return nullptr;
  auto forward_step = detail::plan_recurrent_loop(*forward, inputs, false);
  auto backward_step = detail::plan_recurrent_loop(*backward, inputs, true);
  if (!forward_step || !backward_step || !(forward_step->outputs()[0] == backward_step->outputs()[0])) return nullptr;
  // A backward layer going forwards (a custom one) would need its sequence reversed: call() does it.
  if (forward->recurrent_options().go_backwards || !backward->recurrent_options().go_backwards) return nullptr;
  std::vector<TensorSpec> outputs{forward_step->outputs()[0]};
  if (merge_mode() == Merge::concat) outputs[0].shape.back() *= 2;
  if (merge_mode() == Merge::none) outputs.push_back(outputs[0]);
  return std::make_unique<BidirectionalStep>(std::move(outputs), std::move(forward_step), std::move(backward_step),
                                             merge_mode());
}

}  // namespace kplug::layers
