// Keras's Functional model: a graph of layer calls, read from the config Keras
// writes (layers with inbound_nodes, input_layers, output_layers).
#pragma once

#include "kplug/models/model.hpp"

#include <boost/json/object.hpp>

#include <memory>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug {

class Functional : public Model {
  struct Key {
    explicit Key() = default;
  };

 public:
  // Built by from_config only (the Key is private).
  Functional(Key, LayerArgs args);
  ~Functional() override;
  std::string class_name() const override { return "Functional"; }

  std::vector<LayerPtr> layers() const override;
  std::vector<std::shared_ptr<layers::InputLayer>> input_layers() const override;
  std::vector<std::string> output_names() const override;
  std::vector<PartialShape> output_shapes() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::optional<boost::json::object> build_config() const override;

  boost::json::object get_config() const override;
  // Checks the whole graph (names, node and tensor indices, loops) before building a
  // layer; errors name the JSON path and say "Invalid Functional model configuration".
  static std::shared_ptr<Functional> from_config(const boost::json::object& config, DeserializationContext& context);

  // For summary(): "Connected to" cells and whether the graph is a plain chain.
  struct SummaryRow {
    LayerPtr layer;
    std::string output_shape;
    std::string connected_to;
  };
  std::vector<SummaryRow> summary_rows() const;
  bool sequential_like() const;

  struct Graph;

 protected:
  std::shared_ptr<const detail::InferenceGraph> inference_graph(const std::vector<TensorSpec>& inputs) const override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  std::unique_ptr<Graph> graph_;
};

}  // namespace kplug

#pragma GCC visibility pop
