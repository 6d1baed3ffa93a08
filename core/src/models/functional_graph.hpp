// The graph a Functional model runs (Functional::Graph) and the reading of it from a Keras
// config (build_graph): private to core/src/models.
#pragma once

#include "kplug/errors.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/models/functional.hpp"
#include "models/conv_fusion.hpp"
#include "util/suggest.hpp"

#include <boost/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kplug {

namespace functional_graph {

// [layer_name, node_index, tensor_index] as Keras's keras_history.
struct History {
  std::string layer;
  std::int64_t node = 0;
  std::int64_t tensor = 0;
  std::string path;                            // where it was read
  std::optional<PartialShape> declared_shape;  // from the __keras_tensor__ config
  // Whether the index counts a nested Functional's own first node, as Keras writes
  // input_layers / output_layers (its get_config numbers them from 1) and as Keras 2 wrote
  // every reference; Keras 3's call arguments number a nested model's calls from 0.
  bool counts_own_node = true;
};

// A ConfigError at `path`, worded as Keras's "Invalid Functional model configuration".
[[noreturn]] void invalid(const std::string& path, const std::string& message);
// `rest` below the model's own path ("" at the top level).
std::string path_below(const std::string& base, const std::string& rest);
History read_triple(const boost::json::value& v, const std::string& path);
bool is_keras_tensor(const boost::json::value& v);

}  // namespace functional_graph

struct Functional::Graph {
  using History = functional_graph::History;

  struct Entry {
    std::string name;
    std::string class_name;
    LayerPtr layer;
    boost::json::value inbound_nodes;  // as loaded, written back by get_config
    std::size_t node_count = 0;        // nodes other entries may reference
    std::int64_t node_offset = 0;      // 1 for nested Functional models: see History::counts_own_node
    bool is_input = false;
    bool takes_index_key = false;       // keras.ops.get_item: see read_node
    std::vector<std::size_t> node_ids;  // into `nodes`, by node position
  };
  struct Node {
    std::size_t entry = 0;
    std::size_t position = 0;  // index in the entry's inbound_nodes
    std::string path;
    std::vector<History> arg_refs;                                // positional tensors, flattened
    std::vector<std::pair<std::size_t, Tensor>> constants;        // plain positional values
    std::vector<std::pair<std::string, Tensor>> constant_kwargs;  // `attention_mask=` an array
    std::vector<History> mask_refs;                               // explicit `mask=` tensors
    bool mask_given = false;
    std::vector<std::pair<std::string, std::vector<History>>> tensor_kwarg_refs;
    boost::json::object kwargs;
    // Resolved by the symbolic pass:
    std::vector<std::size_t> input_slots, mask_slots;
    std::vector<std::pair<std::string, std::vector<std::size_t>>> tensor_kwarg_slots;
    std::vector<std::size_t> output_slots;
  };

  // A convolution node and the nodes after it that run as one conv_fusion::FusedConv in a
  // call that may fuse (plan_fusions).
  struct FusedChain {
    std::shared_ptr<const conv_fusion::FusedConv> conv;
    std::size_t input_slot = 0, output_slot = 0;
    std::optional<std::size_t> residual_slot;
    std::vector<std::size_t> absorbed;  // node ids the chain runs
  };

  std::vector<Entry> entries;
  std::unordered_map<std::string, std::size_t> by_name;
  std::unordered_map<std::size_t, FusedChain> fused;  // by the node heading each chain
  std::vector<Node> nodes;
  std::vector<std::size_t> order;  // topological
  std::vector<PartialShape> slot_shapes;
  std::vector<std::size_t> slot_uses;  // how many reads each slot gets per call
  std::vector<std::size_t> input_entries, input_slots, output_slots;
  std::vector<std::string> output_names;
  boost::json::value input_structure, output_structure;
  bool sequential_like = true;

  // The node an entry's reference index designates.
  std::size_t node_of(const History& h) const {
    const Entry& e = entries[by_name.at(h.layer)];
    return e.node_ids[static_cast<std::size_t>(h.node - first_index(e, h))];
  }
  static std::int64_t first_index(const Entry& e, const History& h) { return h.counts_own_node ? e.node_offset : 0; }
  void check_reference(const History& h) const {
    auto it = by_name.find(h.layer);
    if (it == by_name.end()) {
      std::vector<std::string> names;
      for (const auto& e : entries) names.push_back(e.name);
      functional_graph::invalid(h.path, "unknown layer '" + h.layer + "'." + detail::did_you_mean(h.layer, names));
    }
    const Entry& e = entries[it->second];
    const std::int64_t first = first_index(e, h);
    if (h.node < first || h.node >= first + static_cast<std::int64_t>(e.node_count)) {
      functional_graph::invalid(
          h.path + "[1]",
          "node index " + std::to_string(h.node) + " is out of range for layer '" + h.layer + "', which has " +
              (e.node_count == 0 ? std::string("no nodes")
                                 : "nodes " + std::to_string(first) + ".." +
                                       std::to_string(first + static_cast<std::int64_t>(e.node_count) - 1)));
    }
    if (h.tensor < 0)
      functional_graph::invalid(h.path + "[2]", "tensor index " + std::to_string(h.tensor) + " is negative");
  }
  std::size_t slot_of(const History& h) const {
    const Node& n = nodes[node_of(h)];
    if (h.tensor >= static_cast<std::int64_t>(n.output_slots.size())) {
      functional_graph::invalid(h.path + "[2]", "tensor index " + std::to_string(h.tensor) +
                                                    " is out of range: layer '" + h.layer + "' node " +
                                                    std::to_string(h.node) + " has " +
                                                    std::to_string(n.output_slots.size()) + " output(s)");
    }
    const std::size_t slot = n.output_slots[static_cast<std::size_t>(h.tensor)];
    if (h.declared_shape && !h.declared_shape->compatible_with(slot_shapes[slot])) {
      functional_graph::invalid(h.path + ".config.shape", "the tensor is declared with shape " +
                                                              h.declared_shape->to_string() + ", but layer '" +
                                                              h.layer + "' produces " + slot_shapes[slot].to_string());
    }
    return slot;
  }
  // Keras tensors written without a shape (Keras 2 nodes converted by
  // kplug/models/legacy_config.hpp) get the shape and dtype found here, as Keras 3 writes them
  // (and reads them back: its KerasTensor needs a shape).
  void complete_keras_tensors(boost::json::value& v) const {
    if (functional_graph::is_keras_tensor(v)) {
      auto& config = v.as_object().at("config").as_object();
      if (config.contains("shape")) return;
      History h = functional_graph::read_triple(config.at("keras_history"), "");
      const std::size_t slot = slot_of(h);
      // Keras 3 numbers a nested Functional's calls from 0 here (Keras 2 from 1).
      h.node -= first_index(entries[by_name.at(h.layer)], h);
      std::string dtype = "float32";
      if (const auto* input = dynamic_cast<const layers::InputLayer*>(entries[by_name.at(h.layer)].layer.get())) {
        dtype = input->dtype();
      }
      boost::json::object full;
      full["shape"] = slot_shapes[slot].to_json();
      full["dtype"] = dtype;
      full["keras_history"] = boost::json::array{h.layer, h.node, h.tensor};
      config = std::move(full);
    } else if (auto* a = v.if_array()) {
      for (auto& item : *a) complete_keras_tensors(item);
    } else if (auto* o = v.if_object(); o && !o->contains("class_name")) {
      for (auto& item : *o) complete_keras_tensors(item.value());
    }
  }
};

namespace functional_graph {

// Functional::from_config's phases on `graph`: entries, nodes and endpoints checked on the
// JSON, nodes sorted, layers built, shapes inferred; errors name paths below `base`.
void build_graph(Functional::Graph& graph, const std::string& base, const boost::json::array& layer_list,
                 const boost::json::value& input_layers, const boost::json::value& output_layers,
                 DeserializationContext& context);

// A node whose layer gets its positional tensors only: no masks, keyword or constant
// arguments (a `training=` among them, say). An execution plan's step runs it.
bool plain_call(const Functional::Graph::Node& n);
// A plain call with one output: what a fused chain takes in.
bool plain_node(const Functional::Graph::Node& n);
// Finds the chains of graph.fused in a built graph.
void plan_fusions(Functional::Graph& graph);

}  // namespace functional_graph
}  // namespace kplug
