// Keras's functional_from_config (keras/src/models/functional.py) up to the layers' graph,
// checked up front: every reference, index and loop is verified on the JSON before any
// layer is built, and errors name the JSON path.
#include "models/functional_graph.hpp"

#include "kplug/json.hpp"
#include "layers/ops_nodes/op_node.hpp"
#include "models/graph_constants.hpp"

#include <algorithm>
#include <map>
#include <queue>

namespace kplug::functional_graph {

namespace {

constexpr std::string_view kInvalid = "Invalid Functional model configuration: ";

}  // namespace

[[noreturn]] void invalid(const std::string& path, const std::string& message) {
  throw ConfigError(path, std::string(kInvalid) + message);
}

std::string path_below(const std::string& base, const std::string& rest) {
  return base.empty() ? rest : base + "." + rest;
}

History read_triple(const boost::json::value& v, const std::string& path) {
  const auto* a = v.if_array();
  if (!a || a->size() != 3 || !(*a)[0].is_string() || !(*a)[1].is_int64() || !(*a)[2].is_int64()) {
    invalid(path, "expected [layer_name, node_index, tensor_index], got " + json::excerpt(v));
  }
  return {std::string((*a)[0].get_string()), (*a)[1].get_int64(), (*a)[2].get_int64(), path, std::nullopt};
}

bool is_keras_tensor(const boost::json::value& v) {
  const auto* o = v.if_object();
  if (!o) return false;
  const auto* c = o->if_contains("class_name");
  return c && c->is_string() && c->get_string() == "__keras_tensor__";
}

namespace {

History read_keras_tensor(const boost::json::value& v, const std::string& path) {
  const auto* config = v.as_object().if_contains("config");
  const auto* c = config ? config->if_object() : nullptr;
  const auto* history = c ? c->if_contains("keras_history") : nullptr;
  if (!history) invalid(path, "a __keras_tensor__ needs config.keras_history, got " + json::excerpt(v));
  History h = read_triple(*history, path + ".config.keras_history");
  const auto* shape = c->if_contains("shape");
  if (shape && !shape->is_null()) h.declared_shape = PartialShape::from_json(*shape, path + ".config.shape");
  // Keras 3 writes every tensor with its shape; one without was converted from a Keras 2 node.
  h.counts_own_node = shape == nullptr;
  return h;
}

// Visits the leaves of a node argument structure: keras tensors and plain values.
template <class OnTensor, class OnConstant>
void walk_args(const boost::json::value& v, const std::string& path, OnTensor&& on_tensor, OnConstant&& on_constant) {
  if (is_keras_tensor(v)) {
    on_tensor(read_keras_tensor(v, path));
  } else if (const auto* a = v.if_array()) {
    for (std::size_t i = 0; i < a->size(); ++i)
      walk_args((*a)[i], path + "[" + std::to_string(i) + "]", on_tensor, on_constant);
  } else if (const auto* o = v.if_object(); o && !o->contains("class_name")) {
    for (const auto& item : *o) walk_args(item.value(), path + "." + std::string(item.key()), on_tensor, on_constant);
  } else {
    on_constant(v, path);
  }
}

// Flattens input_layers/output_layers: one triple, a list, or a dict (sorted keys, as Keras's tree.flatten).
void flatten_structure(const boost::json::value& v, const std::string& path, std::vector<History>& out) {
  if (const auto* a = v.if_array()) {
    if (a->size() == 3 && (*a)[0].is_string()) {
      out.push_back(read_triple(v, path));
      return;
    }
    for (std::size_t i = 0; i < a->size(); ++i) flatten_structure((*a)[i], path + "[" + std::to_string(i) + "]", out);
    return;
  }
  if (const auto* o = v.if_object()) {
    std::vector<std::string> keys;
    for (const auto& item : *o) keys.emplace_back(item.key());
    std::sort(keys.begin(), keys.end());
    for (const auto& k : keys) flatten_structure(o->at(k), path + "." + k, out);
    return;
  }
  invalid(path, "expected a [layer_name, node_index, tensor_index] triple, a list or a dict of them, got " +
                    json::excerpt(v));
}

// The phases of Functional::from_config, in order, on one Graph: each checks what it
// reads and names the JSON path, so no layer is built from a graph that does not hold.
class GraphBuilder {
 public:
  using Graph = Functional::Graph;

  GraphBuilder(Graph& graph, std::string base) : g_(graph), base_(std::move(base)) {}

  // 1. Entries: names unique, node lists well formed.
  void read_entries(const boost::json::array& layer_list) {
    for (std::size_t i = 0; i < layer_list.size(); ++i) g_.entries.push_back(read_entry(layer_list[i], i));
  }

  // 2. Nodes and their references, then the model's inputs and outputs.
  void read_nodes() {
    for (std::size_t i = 0; i < g_.entries.size(); ++i) read_entry_nodes(i);
    for (const auto& n : g_.nodes) {
      for (const History* h : all_refs(n)) g_.check_reference(*h);
    }
  }
  void read_endpoints(const boost::json::value& input_layers, const boost::json::value& output_layers) {
    flatten_structure(input_layers, at("input_layers"), inputs_);
    flatten_structure(output_layers, at("output_layers"), outputs_);
    if (inputs_.empty()) invalid(at("input_layers"), "a model needs at least one input");
    if (outputs_.empty()) invalid(at("output_layers"), "a model needs at least one output");
    for (const auto& h : inputs_) {
      g_.check_reference(h);
      const Graph::Entry& e = g_.entries[g_.by_name.at(h.layer)];
      if (!e.is_input) {
        invalid(h.path, "model inputs must be InputLayers, but '" + h.layer + "' is a " + e.class_name);
      }
    }
    for (const auto& h : outputs_) g_.check_reference(h);
  }

  // 3. Topological order (Kahn); what is left over waits on a loop.
  void sort_nodes() {
    std::vector<std::size_t> pending(g_.nodes.size(), 0);
    std::vector<std::vector<std::size_t>> consumers(g_.nodes.size());
    for (std::size_t id = 0; id < g_.nodes.size(); ++id) {
      for (const History* h : all_refs(g_.nodes[id])) {
        ++pending[id];
        consumers[g_.node_of(*h)].push_back(id);
      }
    }
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
    for (std::size_t id = 0; id < g_.nodes.size(); ++id) {
      if (pending[id] == 0) ready.push(id);
    }
    while (!ready.empty()) {
      const std::size_t id = ready.top();
      ready.pop();
      g_.order.push_back(id);
      for (std::size_t c : consumers[id]) {
        if (--pending[c] == 0) ready.push(c);
      }
    }
    if (g_.order.size() != g_.nodes.size()) report_loop(pending);
  }

  // 4. Layers, in config order.
  void build_layers(const boost::json::array& layer_list, DeserializationContext& context) {
    DeserializationContext::PathScope layers_scope(context, "layers");
    for (std::size_t i = 0; i < g_.entries.size(); ++i) {
      DeserializationContext::PathScope scope(context, i);
      Graph::Entry& e = g_.entries[i];
      e.layer = deserialize_layer(layer_list[i], context);
      if (e.is_input != (dynamic_cast<layers::InputLayer*>(e.layer.get()) != nullptr)) {
        invalid(context.path(), "layer '" + e.name + "' is listed as " + e.class_name + " but deserialized as " +
                                    e.layer->class_name());
      }
    }
  }

  // 5. Symbolic pass: shapes and output counts, each reference resolved to a slot.
  void infer_shapes() {
    for (std::size_t id : g_.order) {
      Graph::Node& n = g_.nodes[id];
      Graph::Entry& e = g_.entries[n.entry];
      std::vector<PartialShape> out_shapes =
          e.is_input ? std::vector{static_cast<layers::InputLayer&>(*e.layer).batch_shape()} : call_symbolically(n, e);
      for (auto& s : out_shapes) {
        n.output_slots.push_back(g_.slot_shapes.size());
        g_.slot_shapes.push_back(std::move(s));
      }
      if (!e.is_input) g_.complete_keras_tensors(e.inbound_nodes.as_array()[n.position]);
    }
    resolve_endpoints();
    count_slot_uses();
    mark_sequential_like();
  }

 private:
  std::string at(const std::string& rest) const { return path_below(base_, rest); }

  static std::vector<const History*> all_refs(const Graph::Node& n) {
    std::vector<const History*> refs;
    for (const auto& h : n.arg_refs) refs.push_back(&h);
    for (const auto& h : n.mask_refs) refs.push_back(&h);
    for (const auto& [key, hs] : n.tensor_kwarg_refs) {
      for (const auto& h : hs) refs.push_back(&h);
    }
    return refs;
  }

  Graph::Entry read_entry(const boost::json::value& value, std::size_t i) {
    const std::string path = at("layers[" + std::to_string(i) + "]");
    const auto* entry = value.if_object();
    if (!entry) invalid(path, "a layer entry must be a dict, got " + std::string(json::type_name(value)));
    const auto* name = entry->if_contains("name");
    if (!name || !name->is_string()) invalid(path + ".name", "each layer entry needs a string 'name'");
    const auto* nodes = entry->if_contains("inbound_nodes");
    if (!nodes || !nodes->is_array()) invalid(path + ".inbound_nodes", "each layer entry needs a list 'inbound_nodes'");
    Graph::Entry e;
    e.name = std::string(name->get_string());
    if (const auto* c = entry->if_contains("class_name"); c && c->is_string())
      e.class_name = std::string(c->get_string());
    e.inbound_nodes = *nodes;
    e.is_input = e.class_name == "InputLayer";
    if (const auto* m = entry->if_contains("module"); m && m->is_string()) {
      e.takes_index_key = e.class_name == "GetItem" && m->get_string() == "keras.src.ops.numpy";
    }
    if (e.is_input && !nodes->get_array().empty()) {
      invalid(path + ".inbound_nodes", "the InputLayer '" + e.name + "' cannot have inbound nodes");
    }
    e.node_count = e.is_input ? 1 : nodes->get_array().size();
    e.node_offset = e.class_name == "Functional" ? 1 : 0;
    if (auto [it, inserted] = g_.by_name.emplace(e.name, i); !inserted) {
      invalid(path + ".name", "duplicate layer name '" + e.name + "' (also at layers[" + std::to_string(it->second) +
                                  "]): layer names in a model must be unique");
    }
    return e;
  }

  void read_entry_nodes(std::size_t i) {
    Graph::Entry& e = g_.entries[i];
    const std::string entry_path = at("layers[" + std::to_string(i) + "].inbound_nodes");
    if (e.is_input) {
      Graph::Node n;
      n.entry = i;
      n.path = entry_path;
      e.node_ids.push_back(g_.nodes.size());
      g_.nodes.push_back(std::move(n));
      return;
    }
    const auto& list = e.inbound_nodes.get_array();
    for (std::size_t k = 0; k < list.size(); ++k) {
      e.node_ids.push_back(g_.nodes.size());
      g_.nodes.push_back(read_node(list[k], i, k, entry_path + "[" + std::to_string(k) + "]", e.takes_index_key));
    }
  }

  static Graph::Node read_node(const boost::json::value& value, std::size_t entry, std::size_t position,
                               std::string path, bool takes_index_key) {
    Graph::Node n;
    n.entry = entry;
    n.position = position;
    n.path = std::move(path);
    const auto* node = value.if_object();
    if (!node) {
      invalid(n.path, "expected a node dict {\"args\": [...], \"kwargs\": {...}}, got " + json::excerpt(value) +
                          " (the pre-Keras-3 node format is not supported)");
    }
    const auto* node_args = node->if_contains("args");
    const auto* node_kwargs = node->if_contains("kwargs");
    if (!node_args || !node_args->is_array()) invalid(n.path + ".args", "expected a list of call arguments");
    if (node_kwargs && !node_kwargs->is_object()) invalid(n.path + ".kwargs", "expected a dict of keyword arguments");
    // GetItem(x, key): the key (ints, slices, Ellipsis, newaxis) is structure, not a value:
    // the layer reads it as Operation.call's `key` keyword.
    boost::json::array args = node_args->get_array();
    if (takes_index_key && args.size() == 2) {
      n.kwargs["key"] = args[1];
      args.pop_back();
    }
    std::size_t leaf = 0;
    walk_args(
        boost::json::value(std::move(args)), n.path + ".args",
        [&](History h) {
          n.arg_refs.push_back(std::move(h));
          ++leaf;
        },
        [&](const boost::json::value& c, const std::string& at) {
          n.constants.emplace_back(leaf++, detail::constant_tensor(c, at));
        });
    if (node_kwargs) {
      for (const auto& item : node_kwargs->get_object()) read_kwarg(n, std::string(item.key()), item.value());
    }
    return n;
  }

  static void read_kwarg(Graph::Node& n, const std::string& key, const boost::json::value& value) {
    const std::string kpath = n.path + ".kwargs." + key;
    std::vector<History> refs;
    bool plain = false;
    walk_args(
        value, kpath, [&](History h) { refs.push_back(std::move(h)); },
        [&](const boost::json::value&, const std::string&) { plain = true; });
    if (detail::is_array_constant(value)) {
      if (key == "mask") throw NotSupportedError(kpath + ": a constant `mask` is not supported");
      n.constant_kwargs.emplace_back(key, detail::constant_tensor(value, kpath));
    } else if (key == "mask") {
      if (!refs.empty()) {
        n.mask_given = true;
        n.mask_refs = std::move(refs);
      }
    } else if (key == "training") {
      // predict runs in inference mode whatever the graph recorded.
    } else if (!refs.empty()) {
      if (plain) invalid(kpath, "mixes tensors and plain values, which is not supported");
      n.tensor_kwarg_refs.emplace_back(key, std::move(refs));
    } else {
      n.kwargs[key] = value;
    }
  }

  [[noreturn]] void report_loop(const std::vector<std::size_t>& pending) const {
    std::vector<std::string> stuck;
    std::string first_path;
    for (std::size_t id = 0; id < g_.nodes.size(); ++id) {
      if (pending[id] == 0) continue;
      if (first_path.empty()) first_path = g_.nodes[id].path;
      const std::string& n = g_.entries[g_.nodes[id].entry].name;
      if (std::find(stuck.begin(), stuck.end(), n) == stuck.end()) stuck.push_back(n);
    }
    invalid(first_path, "the graph has a loop: layers " + detail::quoted_list(stuck) +
                            " (directly or indirectly) take their own outputs as inputs");
  }

  std::vector<PartialShape> call_symbolically(Graph::Node& n, Graph::Entry& e) {
    std::vector<PartialShape> in_shapes;
    for (const auto& h : n.arg_refs) {
      n.input_slots.push_back(g_.slot_of(h));
      in_shapes.push_back(g_.slot_shapes[n.input_slots.back()]);
    }
    for (const auto& h : n.mask_refs) n.mask_slots.push_back(g_.slot_of(h));
    for (const auto& [key, hs] : n.tensor_kwarg_refs) {
      std::vector<std::size_t> slots;
      for (const auto& h : hs) slots.push_back(g_.slot_of(h));
      n.tensor_kwarg_slots.emplace_back(key, std::move(slots));
    }
    const auto* op = dynamic_cast<const layers::op_nodes::OpNode*>(e.layer.get());
    if (!op && !n.constants.empty()) {
      throw NotSupportedError(n.path + ".args: layer '" + e.name + "' (" + e.class_name +
                              ") is called with a plain positional value; kplug passes plain values to Keras "
                              "operations (keras.ops) only");
    }
    try {
      e.layer->maybe_build(in_shapes);
      return op ? op->output_shape(in_shapes, n.constants)
                : e.layer->compute_output_shape_for_call(in_shapes, n.kwargs);
    } catch (const DeserializationError&) {
      throw;
    } catch (const NotSupportedError&) {
      throw;
    } catch (const Error& ex) {
      throw ConfigError(n.path, std::string("calling layer '") + e.name + "' failed: " + ex.what());
    }
  }

  void resolve_endpoints() {
    for (const auto& h : inputs_) {
      g_.input_entries.push_back(g_.by_name.at(h.layer));
      g_.input_slots.push_back(g_.slot_of(h));
    }
    for (const auto& h : outputs_) {
      g_.output_slots.push_back(g_.slot_of(h));
      g_.output_names.push_back(g_.entries[g_.by_name.at(h.layer)].layer->name());
    }
  }

  void count_slot_uses() {
    g_.slot_uses.assign(g_.slot_shapes.size(), 0);
    for (const auto& n : g_.nodes) {
      for (std::size_t s : n.input_slots) ++g_.slot_uses[s];
      for (std::size_t s : n.mask_slots) ++g_.slot_uses[s];
      for (const auto& [key, slots] : n.tensor_kwarg_slots) {
        for (std::size_t s : slots) ++g_.slot_uses[s];
      }
    }
    for (std::size_t s : g_.output_slots) ++g_.slot_uses[s];
  }

  // Keras's summary shows a plain chain without the "Connected to" column.
  void mark_sequential_like() {
    std::vector<std::size_t> depth(g_.slot_shapes.size(), 0);
    std::map<std::size_t, std::size_t> nodes_at_depth;
    for (std::size_t id : g_.order) {
      const auto& n = g_.nodes[id];
      std::size_t d = 0;
      for (std::size_t s : n.input_slots) d = std::max(d, depth[s] + 1);
      for (std::size_t s : n.output_slots) depth[s] = d;
      ++nodes_at_depth[d];
      if (n.input_slots.size() + n.mask_slots.size() > 1) g_.sequential_like = false;
    }
    for (const auto& [d, count] : nodes_at_depth) {
      if (count > 1) g_.sequential_like = false;
    }
    for (const auto& e : g_.entries) {
      if (e.node_ids.size() > 1) g_.sequential_like = false;
    }
  }

  Graph& g_;
  std::string base_;
  std::vector<History> inputs_, outputs_;  // flattened input_layers / output_layers
};

}  // namespace

void build_graph(Functional::Graph& graph, const std::string& base, const boost::json::array& layer_list,
                 const boost::json::value& input_layers, const boost::json::value& output_layers,
                 DeserializationContext& context) {
  GraphBuilder builder(graph, base);
  builder.read_entries(layer_list);
  builder.read_nodes();
  builder.read_endpoints(input_layers, output_layers);
  builder.sort_nodes();
  builder.build_layers(layer_list, context);
  builder.infer_shapes();
}

}  // namespace kplug::functional_graph
