// A model compiled for inputs of fixed shapes and dtypes (docs/performance.md, "Execution
// plans"): every layer's InferenceStep, run in order over storage laid out once. Tensors that
// are never live at the same time share bytes of one scratch block, the model's outputs are
// written straight into the tensors returned, and a run allocates nothing but those.
#pragma once

#include "kplug/layers/inference_step.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/models/model.hpp"
#include "kplug/tensor.hpp"
#include "models/conv_fusion.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace kplug::detail {

// A model's computation as a plan reads it: layer calls (or fused convolution chains) in run
// order over numbered tensors ("slots"), each with its positional inputs only (no masks,
// keyword arguments or constants).
struct InferenceGraph {
  struct Node {
    const Layer* layer = nullptr;
    std::vector<std::size_t> inputs, outputs;
    // A fused chain headed by `layer` (its step replaces the layers'): inputs x and, with a
    // residual Add, the Add's other tensor; `absorbed` the layers it runs after `layer`.
    std::shared_ptr<const conv_fusion::FusedConv> fused;
    std::vector<const Layer*> absorbed;
  };
  std::vector<Node> nodes;
  std::vector<std::size_t> inputs, outputs;  // the model's, in its order
  std::size_t slots = 0;
};

class ExecutionPlan {
  struct Key {
    explicit Key() = default;
  };

 public:
  explicit ExecutionPlan(Key);
  // Null when a layer offers no step for its inputs, or a slot is made twice (the model then
  // runs layer by layer).
  static std::unique_ptr<ExecutionPlan> make(const InferenceGraph& graph, const std::vector<TensorSpec>& inputs);
  ~ExecutionPlan();
  ExecutionPlan(const ExecutionPlan&) = delete;
  ExecutionPlan& operator=(const ExecutionPlan&) = delete;

  // False once a variable the steps read was assigned after planning.
  bool current() const noexcept;
  // Runs on inputs of the planned specs. Safe from any number of threads at once.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs) const;

 private:
  struct Scratch;
  class ScratchLease;
  // Where a slot's bytes are: in the scratch block, a model input, or a model output.
  struct Place {
    enum class Kind : std::uint8_t { scratch, input, output } kind = Kind::scratch;
    std::size_t at = 0;  // byte offset in scratch, or input / output index
  };
  struct Step {
    std::unique_ptr<InferenceStep> step;
    std::vector<Place> inputs, outputs;
    std::size_t pointers = 0;   // offset of its pointer table in the scratch's pointer area
    std::size_t workspace = 0;  // byte offset of its workspace in scratch
  };
  struct Weight {
    std::shared_ptr<const Variable> variable;
    std::uint64_t version = 0;
  };

  // What make() works on: each slot's spec and the slot whose bytes it is (a view's input's).
  struct Slots {
    std::vector<std::optional<TensorSpec>> specs;
    std::vector<std::size_t> root;
  };
  struct Planned {
    std::unique_ptr<InferenceStep> step;
    std::vector<std::size_t> inputs, outputs;
  };
  bool plan_node(const InferenceGraph::Node& node, Slots& slots, std::vector<Planned>& planned);
  // A nested model's node: its own graph's nodes planned in place, its tensors as new slots.
  bool plan_nested(const InferenceGraph::Node& node, const Model& model, Slots& slots, std::vector<Planned>& planned);
  void lay_out(const InferenceGraph& graph, const Slots& slots, std::vector<Planned>& planned);
  std::byte* locate(const Place& place, std::byte* scratch, const std::vector<Tensor>& inputs,
                    std::byte* const* outputs) const;
  std::unique_ptr<Scratch> lease() const;
  void give_back(std::unique_ptr<Scratch> scratch) const noexcept;

  std::vector<Step> steps_;
  std::vector<Weight> weights_;
  std::vector<TensorSpec> outputs_;
  // Outputs whose bytes live elsewhere (a model input, another output, shared storage):
  // copied at the end of a run from there.
  std::vector<std::pair<std::size_t, Place>> copied_outputs_;
  std::size_t scratch_bytes_ = 0, pointer_count_ = 0;
  mutable std::mutex idle_mutex_;
  mutable std::vector<std::unique_ptr<Scratch>> idle_;
};

// A model's plans by input specs (the last few shapes it was called with).
class ExecutionPlans {
 public:
  // The plan for exactly these inputs' specs, made (once; again when its weights changed)
  // with `make(specs)`; null when that gives none.
  template <class Make>
  std::shared_ptr<const ExecutionPlan> find(const std::vector<Tensor>& inputs, Make&& make);
  // Only a plan made before and still current; never plans.
  std::shared_ptr<const ExecutionPlan> find_made(const std::vector<Tensor>& inputs);
  void clear();

 private:
  struct Entry {
    std::vector<TensorSpec> specs;
    std::shared_ptr<const ExecutionPlan> plan;  // null: these inputs run layer by layer
    std::uint64_t last_use = 0;
  };
  static constexpr std::size_t kMaxEntries = 8;
  Entry* entry_for(const std::vector<Tensor>& inputs);  // under mutex_
  Entry& new_entry(const std::vector<Tensor>& inputs);  // under mutex_

  std::mutex mutex_;
  std::vector<Entry> entries_;
  std::uint64_t clock_ = 0;
};

template <class Make>
std::shared_ptr<const ExecutionPlan> ExecutionPlans::find(const std::vector<Tensor>& inputs, Make&& make) {
  const std::lock_guard lock(mutex_);
  Entry* entry = entry_for(inputs);
  if (entry && (!entry->plan || entry->plan->current())) return entry->plan;
  if (!entry) entry = &new_entry(inputs);
  entry->plan = make(entry->specs);
  return entry->plan;
}

}  // namespace kplug::detail
