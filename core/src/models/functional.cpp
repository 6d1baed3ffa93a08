// Keras's Functional model (keras/src/models/functional.py): from_config (its graph read and
// checked in functional_graph.cpp), call, get_config and summary.
#include "kplug/models/functional.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/layer_io.hpp"
#include "models/functional_graph.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace kplug {

using functional_graph::invalid;
using functional_graph::path_below;

Functional::Functional(Key, LayerArgs args) : Model(std::move(args)) { mark_built_at_init(); }
Functional::~Functional() = default;

std::shared_ptr<Functional> Functional::from_config(const boost::json::object& config,
                                                    DeserializationContext& context) {
  ConfigReader reader(config, context, "Functional");
  LayerArgs args = LayerArgs::read(reader);
  const boost::json::value* layers_value = reader.raw("layers");
  const boost::json::value* input_layers = reader.raw("input_layers");
  const boost::json::value* output_layers = reader.raw("output_layers");
  reader.finish();
  const std::string base = context.path();
  auto at = [&](const std::string& rest) { return path_below(base, rest); };
  const auto* layer_list = layers_value ? layers_value->if_array() : nullptr;
  if (!layer_list) invalid(at("layers"), "expected a list of layer configs");
  if (!input_layers) invalid(at("input_layers"), "missing 'input_layers'");
  if (!output_layers) invalid(at("output_layers"), "missing 'output_layers'");

  auto graph = std::make_unique<Graph>();
  graph->input_structure = *input_layers;
  graph->output_structure = *output_layers;
  functional_graph::build_graph(*graph, base, *layer_list, *input_layers, *output_layers, context);

  functional_graph::plan_fusions(*graph);
  auto model = std::make_shared<Functional>(Key{}, std::move(args));
  model->graph_ = std::move(graph);
  return model;
}

std::vector<LayerPtr> Functional::layers() const {
  std::vector<LayerPtr> out;
  out.reserve(graph_->entries.size());
  for (const auto& e : graph_->entries) out.push_back(e.layer);
  return out;
}

std::vector<std::shared_ptr<layers::InputLayer>> Functional::input_layers() const {
  std::vector<std::shared_ptr<layers::InputLayer>> out;
  for (std::size_t e : graph_->input_entries) {
    out.push_back(std::static_pointer_cast<layers::InputLayer>(graph_->entries[e].layer));
  }
  return out;
}

std::vector<std::string> Functional::output_names() const { return graph_->output_names; }

std::vector<PartialShape> Functional::output_shapes() const {
  std::vector<PartialShape> out;
  for (std::size_t s : graph_->output_slots) out.push_back(graph_->slot_shapes[s]);
  return out;
}

std::vector<PartialShape> Functional::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  auto inputs = input_layers();
  if (input_shapes.size() != inputs.size()) {
    fail("expects " + std::to_string(inputs.size()) + " input(s), got " + std::to_string(input_shapes.size()));
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]->batch_shape().compatible_with(input_shapes[i])) {
      fail("input " + std::to_string(i) + " must have shape " + inputs[i]->batch_shape().to_string() + ", got " +
           input_shapes[i].to_string());
    }
  }
  return output_shapes();
}

std::optional<boost::json::object> Functional::build_config() const {
  // Keras's Functional models are built at construction and write a null input shape.
  boost::json::object config;
  config["input_shape"] = nullptr;
  return config;
}

std::vector<Tensor> Functional::call(CallArgs& args) {
  const Graph& g = *graph_;
  expect_inputs(args, g.input_slots.size());
  std::vector<std::optional<Tensor>> values(g.slot_shapes.size()), masks(g.slot_shapes.size());
  std::vector<std::size_t> uses = g.slot_uses;
  for (std::size_t i = 0; i < g.input_slots.size(); ++i) {
    const auto& input = static_cast<const layers::InputLayer&>(*g.entries[g.input_entries[i]].layer);
    if (!input.batch_shape().compatible_with(args.inputs[i].shape())) {
      fail("input '" + input.name() + "' must have shape " + input.batch_shape().to_string() + ", got " +
           shape_repr(args.inputs[i].shape()));
    }
    values[g.input_slots[i]] = std::move(args.inputs[i]);
    if (const Tensor* m = args.mask(i)) masks[g.input_slots[i]] = *m;
  }
  // The last reader of a slot takes its tensor instead of copying it.
  auto take = [&](std::size_t slot) -> Tensor {
    if (!values[slot]) fail("internal error: a tensor was used before it was computed");
    if (--uses[slot] == 0) return std::move(*values[slot]);
    return *values[slot];
  };
  // A fused chain runs its nodes at once (inference, no mask on its tensors).
  std::vector<bool> done(g.nodes.size(), false);
  auto run_fused = [&](const Graph::FusedChain& chain) {
    if (args.training || masks[chain.input_slot] || (chain.residual_slot && masks[*chain.residual_slot])) return false;
    const Tensor x = take(chain.input_slot);
    const std::optional<Tensor> residual =
        chain.residual_slot ? std::optional<Tensor>(take(*chain.residual_slot)) : std::nullopt;
    values[chain.output_slot] = chain.conv->run(x, residual ? &*residual : nullptr);
    for (std::size_t absorbed : chain.absorbed) done[absorbed] = true;
    return true;
  };
  for (std::size_t id : g.order) {
    const auto& n = g.nodes[id];
    const auto& e = g.entries[n.entry];
    if (e.is_input || done[id]) continue;
    if (auto chain = g.fused.find(id); chain != g.fused.end() && run_fused(chain->second)) continue;
    CallArgs call_args;
    call_args.training = args.training;
    call_args.inputs.reserve(n.input_slots.size());
    bool any_mask = false;
    for (std::size_t s : n.input_slots) any_mask = any_mask || masks[s].has_value();
    if (n.mask_given) {
      for (std::size_t s : n.mask_slots) call_args.masks.emplace_back(take(s));
    } else if (any_mask) {
      for (std::size_t s : n.input_slots) call_args.masks.push_back(masks[s]);
    }
    for (std::size_t s : n.input_slots) call_args.inputs.push_back(take(s));
    for (const auto& [key, slots] : n.tensor_kwarg_slots) {
      auto& list = call_args.tensor_kwargs[key];
      for (std::size_t s : slots) list.push_back(take(s));
    }
    for (const auto& [key, value] : n.constant_kwargs) call_args.tensor_kwargs[key].push_back(value);
    call_args.kwargs = n.kwargs;
    call_args.constants = n.constants;
    std::vector<Tensor> outputs = (*e.layer)(call_args);
    if (outputs.size() != n.output_slots.size()) {
      fail("layer '" + e.name + "' returned " + std::to_string(outputs.size()) + " outputs, expected " +
           std::to_string(n.output_slots.size()));
    }
    auto out_masks = e.layer->compute_mask(call_args, outputs);
    for (std::size_t o = 0; o < outputs.size(); ++o) {
      const std::size_t slot = n.output_slots[o];
      if (o < out_masks.size() && out_masks[o]) masks[slot] = std::move(out_masks[o]);
      values[slot] = std::move(outputs[o]);
    }
  }
  std::vector<Tensor> result;
  for (std::size_t s : g.output_slots) result.push_back(take(s));
  return result;
}

boost::json::object Functional::get_config() const {
  boost::json::object config;
  config["name"] = name();
  config["trainable"] = trainable();
  boost::json::array layer_configs;
  layer_configs.reserve(graph_->entries.size());
  for (const auto& e : graph_->entries) {
    boost::json::value v = serialize_layer(*e.layer);
    v.as_object()["name"] = e.layer->name();
    v.as_object()["inbound_nodes"] = e.inbound_nodes;
    layer_configs.push_back(std::move(v));
  }
  config["layers"] = std::move(layer_configs);
  config["input_layers"] = graph_->input_structure;
  config["output_layers"] = graph_->output_structure;
  return config;
}

std::vector<Functional::SummaryRow> Functional::summary_rows() const {
  std::vector<SummaryRow> rows;
  const Graph& g = *graph_;
  for (const auto& e : g.entries) {
    SummaryRow row;
    row.layer = e.layer;
    std::vector<std::string> shapes;
    for (std::size_t id : e.node_ids) {
      const auto& n = g.nodes[id];
      shapes.clear();
      for (std::size_t s : n.output_slots) shapes.push_back(g.slot_shapes[s].to_string());
      for (const auto* refs : {&n.arg_refs, &n.mask_refs}) {
        for (const auto& h : *refs) {
          if (!row.connected_to.empty()) row.connected_to += ", ";
          row.connected_to += h.layer + "[" + std::to_string(h.node) + "][" + std::to_string(h.tensor) + "]";
        }
      }
    }
    if (shapes.size() == 1) {
      row.output_shape = shapes[0];
    } else {
      row.output_shape = "[";
      for (std::size_t i = 0; i < shapes.size(); ++i) row.output_shape += (i ? ", " : "") + shapes[i];
      row.output_shape += "]";
    }
    if (row.connected_to.empty()) row.connected_to = "-";
    rows.push_back(std::move(row));
  }
  return rows;
}

bool Functional::sequential_like() const { return graph_->sequential_like; }

}  // namespace kplug
