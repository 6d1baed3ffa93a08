#include "models/execution_plan.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <optional>

namespace kplug::detail {
namespace {

constexpr std::size_t kAlignment = Tensor::kAlignment;

std::size_t aligned(std::size_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

struct AlignedDelete {
  void operator()(std::byte* p) const noexcept { ::operator delete[](p, std::align_val_t{kAlignment}); }
};

// First-fit placement of scratch blocks; freed neighbours merge.
class ScratchLayout {
 public:
  std::size_t take(std::size_t bytes) {
    bytes = aligned(std::max<std::size_t>(bytes, 1));
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      if (it->second < bytes) continue;
      const std::size_t at = it->first;
      if (it->second == bytes) {
        free_.erase(it);
      } else {
        it->first += bytes;
        it->second -= bytes;
      }
      return at;
    }
    const std::size_t at = end_;
    end_ += bytes;
    return at;
  }
  void give(std::size_t at, std::size_t bytes) {
    bytes = aligned(std::max<std::size_t>(bytes, 1));
    auto it = std::lower_bound(free_.begin(), free_.end(), std::pair{at, std::size_t{0}});
    it = free_.insert(it, {at, bytes});
    if (auto next = it + 1; next != free_.end() && it->first + it->second == next->first) {
      it->second += next->second;
      free_.erase(next);
    }
    if (it != free_.begin()) {
      if (auto prev = it - 1; prev->first + prev->second == it->first) {
        prev->second += it->second;
        free_.erase(it);
      }
    }
  }
  std::size_t size() const noexcept { return end_; }

 private:
  std::vector<std::pair<std::size_t, std::size_t>> free_;  // (offset, bytes), by offset
  std::size_t end_ = 0;
};

}  // namespace

struct ExecutionPlan::Scratch {
  explicit Scratch(std::size_t bytes)
      : block(new (std::align_val_t{kAlignment}) std::byte[std::max<std::size_t>(bytes, 1)]) {}
  std::unique_ptr<std::byte[], AlignedDelete> block;
};

// Returns the scratch to the plan's idle list however the run ends.
class ExecutionPlan::ScratchLease {
 public:
  explicit ScratchLease(const ExecutionPlan& plan) : plan_(plan), scratch_(plan.lease()) {}
  ~ScratchLease() { plan_.give_back(std::move(scratch_)); }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;
  std::byte* get() const noexcept { return scratch_->block.get(); }

 private:
  const ExecutionPlan& plan_;
  std::unique_ptr<Scratch> scratch_;
};

ExecutionPlan::ExecutionPlan(Key) {}
ExecutionPlan::~ExecutionPlan() = default;

bool ExecutionPlan::current() const noexcept {
  return std::all_of(weights_.begin(), weights_.end(),
                     [](const Weight& w) { return w.variable->version() == w.version; });
}

std::unique_ptr<ExecutionPlan::Scratch> ExecutionPlan::lease() const {
  {
    const std::lock_guard lock(idle_mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Scratch> scratch = std::move(idle_.back());
      idle_.pop_back();
      return scratch;
    }
  }
  return std::make_unique<Scratch>(scratch_bytes_ + (pointer_count_ + outputs_.size()) * sizeof(std::byte*));
}

void ExecutionPlan::give_back(std::unique_ptr<Scratch> scratch) const noexcept {
  if (!scratch) return;
  const std::lock_guard lock(idle_mutex_);
  try {
    idle_.push_back(std::move(scratch));
  } catch (...) {  // no room to keep it: it is freed
  }
}

std::byte* ExecutionPlan::locate(const Place& place, std::byte* scratch, const std::vector<Tensor>& inputs,
                                 std::byte* const* outputs) const {
  switch (place.kind) {
    case Place::Kind::scratch: return scratch + place.at;
    case Place::Kind::input: return const_cast<std::byte*>(inputs[place.at].bytes());  // steps only read inputs
    case Place::Kind::output: return outputs[place.at];
  }
  return nullptr;
}

std::vector<Tensor> ExecutionPlan::run(const std::vector<Tensor>& inputs) const {
  const ScratchLease scratch(*this);
  std::byte* base = scratch.get();
  // The pointer area after the tensors' bytes: the outputs', then each step's table.
  auto** output_bytes = reinterpret_cast<std::byte**>(base + scratch_bytes_);
  std::byte** tables = output_bytes + outputs_.size();
  std::vector<Tensor> outputs;
  outputs.reserve(outputs_.size());
  for (std::size_t j = 0; j < outputs_.size(); ++j) {
    outputs.push_back(Tensor::empty(outputs_[j].shape, outputs_[j].dtype));
    output_bytes[j] = outputs.back().mutable_bytes();
  }
  for (const Step& s : steps_) {
    std::byte** table = tables + s.pointers;
    const std::size_t n = s.inputs.size();
    for (std::size_t k = 0; k < n; ++k) table[k] = locate(s.inputs[k], base, inputs, output_bytes);
    for (std::size_t k = 0; k < s.outputs.size(); ++k) table[n + k] = locate(s.outputs[k], base, inputs, output_bytes);
    s.step->run({table, n}, {table + n, s.outputs.size()}, {base + s.workspace, s.step->workspace_bytes()});
  }
  for (const auto& [j, place] : copied_outputs_) {
    std::memcpy(output_bytes[j], locate(place, base, inputs, output_bytes), outputs[j].nbytes());
  }
  return outputs;
}

}  // namespace kplug::detail

namespace kplug::detail {

std::unique_ptr<ExecutionPlan> ExecutionPlan::make(const InferenceGraph& graph, const std::vector<TensorSpec>& inputs) {
  if (inputs.size() != graph.inputs.size()) return nullptr;
  auto plan = std::make_unique<ExecutionPlan>(Key{});
  Slots slots;
  slots.specs.resize(graph.slots);
  slots.root.resize(graph.slots);
  for (std::size_t s = 0; s < graph.slots; ++s) slots.root[s] = s;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (slots.specs[graph.inputs[i]]) return nullptr;  // one tensor given for two inputs
    slots.specs[graph.inputs[i]] = inputs[i];
  }
  std::vector<Planned> planned;
  for (const InferenceGraph::Node& node : graph.nodes) {
    if (!plan->plan_node(node, slots, planned)) return nullptr;
  }
  for (std::size_t s : graph.outputs) {
    if (!slots.specs[s]) return nullptr;
  }
  plan->lay_out(graph, slots, planned);
  return plan;
}

bool ExecutionPlan::plan_node(const InferenceGraph::Node& node, Slots& slots, std::vector<Planned>& planned) {
  const Layer& layer = *node.layer;
  if (!layer.built() || layer.activity_regularizer()) return false;
  if (const auto* nested = dynamic_cast<const Model*>(&layer); nested && !node.fused) {
    return plan_nested(node, *nested, slots, planned);
  }
  std::vector<TensorSpec> in;
  for (std::size_t s : node.inputs) {
    if (!slots.specs[s]) return false;
    in.push_back(*slots.specs[s]);
  }
  // Versions before values: an assignment in between leaves the plan stale, never wrong.
  for (const VariablePtr& v : layer.weights()) weights_.push_back({v, v->version()});
  for (const Layer* absorbed : node.absorbed) {
    for (const VariablePtr& v : absorbed->weights()) weights_.push_back({v, v->version()});
  }
  std::unique_ptr<InferenceStep> step = node.fused ? node.fused->plan_step(in) : layer.plan_inference(in);
  if (!step || step->outputs().size() != node.outputs.size()) return false;
  for (std::size_t o = 0; o < node.outputs.size(); ++o) {
    if (slots.specs[node.outputs[o]]) return false;  // a tensor made twice
    slots.specs[node.outputs[o]] = step->outputs()[o];
  }
  if (step->is_view()) {
    if (in.empty() || node.outputs.size() != 1 || step->outputs()[0].nbytes() != in[0].nbytes()) return false;
    slots.root[node.outputs[0]] = slots.root[node.inputs[0]];
    return true;
  }
  planned.push_back({std::move(step), node.inputs, node.outputs});
  return true;
}

bool ExecutionPlan::plan_nested(const InferenceGraph::Node& node, const Model& model, Slots& slots,
                                std::vector<Planned>& planned) {
  // One input: how a call's inputs map onto several (a list, a dict by name) is the call's business.
  if (node.inputs.size() != 1 || !slots.specs[node.inputs[0]]) return false;
  const std::shared_ptr<const InferenceGraph> graph = model.inference_graph({*slots.specs[node.inputs[0]]});
  if (!graph || graph->inputs.size() != 1 || graph->outputs.size() != node.outputs.size()) return false;
  constexpr std::size_t unmapped = static_cast<std::size_t>(-1);
  std::vector<std::size_t> outer(graph->slots, unmapped);
  outer[graph->inputs[0]] = node.inputs[0];
  for (std::size_t j = 0; j < graph->outputs.size(); ++j) {
    if (outer[graph->outputs[j]] != unmapped) return false;  // an output that is its input, or twice an output
    outer[graph->outputs[j]] = node.outputs[j];
  }
  for (std::size_t& s : outer) {
    if (s != unmapped) continue;
    s = slots.specs.size();
    slots.specs.emplace_back();
    slots.root.push_back(s);
  }
  for (const InferenceGraph::Node& inner : graph->nodes) {
    InferenceGraph::Node mapped = inner;
    for (std::size_t& s : mapped.inputs) s = outer[s];
    for (std::size_t& s : mapped.outputs) s = outer[s];
    if (!plan_node(mapped, slots, planned)) return false;
  }
  for (std::size_t s : node.outputs) {
    if (!slots.specs[s]) return false;
  }
  return true;
}

void ExecutionPlan::lay_out(const InferenceGraph& graph, const Slots& slots, std::vector<Planned>& planned) {
  std::vector<std::optional<Place>> place(slots.specs.size());
  for (std::size_t i = 0; i < graph.inputs.size(); ++i)
    place[slots.root[graph.inputs[i]]] = Place{Place::Kind::input, i};
  for (std::size_t j = 0; j < graph.outputs.size(); ++j) {
    const std::size_t s = graph.outputs[j];
    outputs_.push_back(*slots.specs[s]);
    auto& root = place[slots.root[s]];
    if (root)
      copied_outputs_.emplace_back(j, *root);
    else
      root = Place{Place::Kind::output, j};
  }
  constexpr std::size_t never = static_cast<std::size_t>(-1);
  std::vector<std::size_t> last_read(slots.specs.size(), never);
  for (std::size_t i = 0; i < planned.size(); ++i) {
    for (std::size_t s : planned[i].inputs) last_read[slots.root[s]] = i;
  }
  // Each step's outputs take scratch while its inputs still hold theirs, then its workspace
  // while both do (given back at once); a tensor's bytes are given back after its last reader.
  ScratchLayout layout;
  std::vector<std::vector<std::size_t>> freed_after(planned.size());
  std::vector<std::size_t> workspace(planned.size(), 0);
  const auto bytes = [&](std::size_t s) { return slots.specs[s]->nbytes(); };
  for (std::size_t i = 0; i < planned.size(); ++i) {
    for (std::size_t s : planned[i].outputs) {
      if (place[s]) continue;
      place[s] = Place{Place::Kind::scratch, layout.take(bytes(s))};
      freed_after[last_read[s] == never ? i : last_read[s]].push_back(s);
    }
    if (const std::size_t w = planned[i].step->workspace_bytes()) {
      workspace[i] = layout.take(w);
      layout.give(workspace[i], w);
    }
    for (std::size_t s : freed_after[i]) layout.give(place[s]->at, bytes(s));
  }
  scratch_bytes_ = aligned(layout.size());
  for (std::size_t i = 0; i < planned.size(); ++i) {
    Planned& p = planned[i];
    Step step{std::move(p.step), {}, {}, pointer_count_, workspace[i]};
    for (std::size_t s : p.inputs) step.inputs.push_back(*place[slots.root[s]]);
    for (std::size_t s : p.outputs) step.outputs.push_back(*place[s]);
    pointer_count_ += step.inputs.size() + step.outputs.size();
    steps_.push_back(std::move(step));
  }
}

ExecutionPlans::Entry* ExecutionPlans::entry_for(const std::vector<Tensor>& inputs) {
  for (Entry& e : entries_) {
    if (e.specs.size() != inputs.size()) continue;
    bool same = true;
    for (std::size_t i = 0; same && i < inputs.size(); ++i) {
      same = e.specs[i].dtype == inputs[i].dtype() && e.specs[i].shape == inputs[i].shape();
    }
    if (same) {
      e.last_use = ++clock_;
      return &e;
    }
  }
  return nullptr;
}

ExecutionPlans::Entry& ExecutionPlans::new_entry(const std::vector<Tensor>& inputs) {
  if (entries_.size() >= kMaxEntries) {
    entries_.erase(std::min_element(entries_.begin(), entries_.end(),
                                    [](const Entry& a, const Entry& b) { return a.last_use < b.last_use; }));
  }
  Entry& e = entries_.emplace_back();
  for (const Tensor& t : inputs) e.specs.push_back({t.shape(), t.dtype()});
  e.last_use = ++clock_;
  return e;
}

std::shared_ptr<const ExecutionPlan> ExecutionPlans::find_made(const std::vector<Tensor>& inputs) {
  const std::lock_guard lock(mutex_);
  Entry* entry = entry_for(inputs);
  return entry && entry->plan && entry->plan->current() ? entry->plan : nullptr;
}

void ExecutionPlans::clear() {
  const std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace kplug::detail
