// A Functional model's execution plans: the convolution chains its call runs fused
// (conv_fusion), found once the graph is built, and the graph predict's ExecutionPlan runs.
#include "models/functional_graph.hpp"

#include "kplug/layers/merging.hpp"
#include "models/execution_plan.hpp"

#include <typeinfo>

namespace kplug::functional_graph {
namespace {

using Graph = Functional::Graph;

struct Readers {
  std::vector<std::vector<std::size_t>> of_slot;  // node ids reading each slot positionally
  std::vector<std::optional<std::size_t>> producer;
  std::vector<std::size_t> position;  // of each node in the order
  std::vector<bool> is_output;
};

Readers readers(const Graph& g) {
  Readers r;
  r.of_slot.resize(g.slot_shapes.size());
  r.producer.resize(g.slot_shapes.size());
  r.position.resize(g.nodes.size());
  r.is_output.assign(g.slot_shapes.size(), false);
  for (std::size_t i = 0; i < g.order.size(); ++i) r.position[g.order[i]] = i;
  for (std::size_t id = 0; id < g.nodes.size(); ++id) {
    for (std::size_t s : g.nodes[id].input_slots) r.of_slot[s].push_back(id);
    if (!g.entries[g.nodes[id].entry].is_input) {
      for (std::size_t s : g.nodes[id].output_slots) r.producer[s] = id;
    }
  }
  for (std::size_t s : g.output_slots) r.is_output[s] = true;
  return r;
}

// Extends `chain` (heading at node `head`) with the only reader of its output while it absorbs.
void extend(const Graph& g, const Readers& r, std::size_t head, Graph::FusedChain& chain, conv_fusion::FusedConv& conv,
            const std::vector<bool>& taken) {
  std::size_t slot = chain.output_slot;
  while (g.slot_uses[slot] == 1 && !r.is_output[slot] && r.of_slot[slot].size() == 1) {
    const std::size_t id = r.of_slot[slot].front();
    const Graph::Node& n = g.nodes[id];
    if (taken[id] || !plain_node(n)) return;
    const Layer& layer = *g.entries[n.entry].layer;
    std::optional<std::size_t> other;
    if (n.input_slots.size() == 2 && typeid(layer) == typeid(layers::Add)) {
      other = n.input_slots[0] == slot ? n.input_slots[1] : n.input_slots[0];
      const auto& producer = r.producer[*other];
      // The other tensor must exist when the chain runs, with the chain's output's shape.
      if (*other == slot || (producer && r.position[*producer] >= r.position[head]) ||
          g.slot_shapes[*other].to_string() != g.slot_shapes[slot].to_string())
        return;
    } else if (n.input_slots.size() != 1) {
      return;
    }
    if (!conv.absorb(layer, other.has_value())) return;
    if (other) chain.residual_slot = other;
    chain.absorbed.push_back(id);
    slot = chain.output_slot = n.output_slots.front();
  }
}

// The node making `head`'s one input when it is a plain one-input node (a ZeroPadding to fold)
// whose output only `head` reads.
std::optional<std::size_t> only_producer(const Graph& g, const Readers& r, std::size_t head,
                                         const std::vector<bool>& taken) {
  const std::size_t slot = g.nodes[head].input_slots.front();
  const auto& producer = r.producer[slot];
  if (!producer || taken[*producer] || g.slot_uses[slot] != 1 || r.is_output[slot] || r.of_slot[slot].size() != 1)
    return std::nullopt;
  const Graph::Node& p = g.nodes[*producer];
  if (!plain_node(p) || p.input_slots.size() != 1) return std::nullopt;
  return producer;
}

}  // namespace

bool plain_call(const Graph::Node& n) {
  return !n.mask_given && n.mask_slots.empty() && n.tensor_kwarg_slots.empty() && n.constant_kwargs.empty() &&
         n.constants.empty() && n.kwargs.empty();
}

bool plain_node(const Graph::Node& n) { return plain_call(n) && n.output_slots.size() == 1; }

void plan_fusions(Graph& g) {
  const Readers r = readers(g);
  std::vector<bool> taken(g.nodes.size(), false);
  for (std::size_t head : g.order) {
    const Graph::Node& n = g.nodes[head];
    const Graph::Entry& e = g.entries[n.entry];
    if (e.is_input || taken[head] || !plain_node(n) || n.input_slots.size() != 1) continue;
    std::unique_ptr<conv_fusion::FusedConv> conv = conv_fusion::FusedConv::start(*e.layer);
    if (!conv) continue;
    Graph::FusedChain chain;
    chain.input_slot = n.input_slots.front();
    chain.output_slot = n.output_slots.front();
    // A ZeroPadding before the convolution folds into it; the chain then runs where the
    // padding ran (`first`), and a call that cannot fuse runs both layers as before.
    std::size_t first = head;
    if (const auto padding = only_producer(g, r, head, taken);
        padding && conv->absorb_padding(*g.entries[g.nodes[*padding].entry].layer)) {
      first = *padding;
      chain.input_slot = g.nodes[first].input_slots.front();
      chain.absorbed.push_back(head);
    }
    extend(g, r, first, chain, *conv, taken);
    if (chain.absorbed.empty()) continue;  // the layer alone runs its own PreparedConv
    for (std::size_t id : chain.absorbed) taken[id] = true;
    taken[first] = true;
    chain.conv = std::move(conv);
    g.fused.emplace(first, std::move(chain));
  }
}

}  // namespace kplug::functional_graph

namespace kplug {

std::shared_ptr<const detail::InferenceGraph> Functional::inference_graph(const std::vector<TensorSpec>& inputs) const {
  const Graph& g = *graph_;
  if (inputs.size() != g.input_slots.size()) return nullptr;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& input = static_cast<const layers::InputLayer&>(*g.entries[g.input_entries[i]].layer);
    if (!input.batch_shape().compatible_with(inputs[i].shape)) return nullptr;  // call() reports it
  }
  auto out = std::make_shared<detail::InferenceGraph>();
  out->slots = g.slot_shapes.size();
  out->inputs = g.input_slots;
  out->outputs = g.output_slots;
  std::vector<bool> absorbed(g.nodes.size(), false);
  for (const auto& [head, chain] : g.fused) {
    for (std::size_t id : chain.absorbed) absorbed[id] = true;
  }
  for (std::size_t id : g.order) {
    const Graph::Node& n = g.nodes[id];
    const Graph::Entry& e = g.entries[n.entry];
    if (e.is_input || absorbed[id]) continue;
    if (!functional_graph::plain_call(n)) return nullptr;  // a step gives every output of its node
    detail::InferenceGraph::Node node;
    node.layer = e.layer.get();
    node.inputs = n.input_slots;
    node.outputs = n.output_slots;
    if (auto chain = g.fused.find(id); chain != g.fused.end()) {  // its step runs the layers it absorbed
      const Graph::FusedChain& c = chain->second;
      node.fused = c.conv;
      node.inputs = {c.input_slot};
      if (c.residual_slot) node.inputs.push_back(*c.residual_slot);
      node.outputs = {c.output_slot};
      for (std::size_t a : c.absorbed) node.absorbed.push_back(g.entries[g.nodes[a].entry].layer.get());
    }
    out->nodes.push_back(std::move(node));
  }
  return out;
}

}  // namespace kplug
