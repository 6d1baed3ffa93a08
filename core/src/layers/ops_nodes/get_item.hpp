// keras.ops.get_item as a graph node: `x[:, 1:3, 0]` on a symbolic tensor records a GetItem
// Operation (config {"name"}) whose node args are the tensor and the key, a list of ints,
// `__slice__` dicts, `__ellipsis__` and nulls (newaxis). The graph hands the key over as
// the call's `key` keyword (Operation.call(x, key)): it is structure, not a tensor value.
#pragma once

#include "kplug/config_reader.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/ops/get_item.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <string>

namespace kplug::layers::op_nodes {

class GetItem final : public Layer {
 public:
  explicit GetItem(LayerArgs args);
  static std::shared_ptr<GetItem> from_config(const boost::json::object& config, DeserializationContext& context);
  std::string class_name() const override { return "GetItem"; }
  boost::json::object get_config() const override { return {{"name", name()}}; }
  std::vector<PartialShape> compute_output_shape_for_call(const std::vector<PartialShape>& input_shapes,
                                                          const boost::json::object& kwargs) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  ops::IndexKey key_of(const boost::json::value* key) const;
};

}  // namespace kplug::layers::op_nodes
