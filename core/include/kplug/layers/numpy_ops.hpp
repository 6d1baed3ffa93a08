// Keras ops recorded as Functional graph nodes (`"module": "keras.src.ops.numpy"`): the ones
// Keras adds for masks. Embedding(mask_zero=True) feeds the next layer `not_equal(ids, 0)`
// and Masking `any(not_equal(x, mask_value), axis=-1)`.
#pragma once

#include "kplug/layers/layer.hpp"

#include <optional>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// x != y for a tensor and a scalar constant (in either position), as a bool tensor.
class NotEqual : public Layer {
 public:
  explicit NotEqual(LayerArgs args);
  static std::shared_ptr<NotEqual> from_config(const boost::json::object& config, DeserializationContext& context);
  // Operations write their name only.
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

// Logical or over `axis` (keepdims optional), as a bool tensor.
class Any : public Layer {
 public:
  Any(std::optional<std::int64_t> axis, bool keepdims, LayerArgs args);
  static std::shared_ptr<Any> from_config(const boost::json::object& config, DeserializationContext& context);
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  std::optional<std::int64_t> axis_;
  bool keepdims_ = false;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
