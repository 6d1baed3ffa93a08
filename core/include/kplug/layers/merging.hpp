// keras.layers merging layers: element-wise combinations of several inputs with
// numpy broadcasting, as Keras's Merge base does, plus Concatenate and Dot.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/layers/layer.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// Keras's Merge: at least one input; inputs of lower rank get length-1 axes after the
// batch axis. The output mask is the OR of the input masks, none when any input has none.
class Merge : public Layer {
 public:
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }
  std::vector<std::optional<Tensor>> compute_mask(const CallArgs& args,
                                                  const std::vector<Tensor>& outputs) const override;
  // A (batch, ...) mask as Keras's merge functions use it: a trailing axis added, broadcast
  // to `shape`, as float32 0/1.
  static Tensor broadcast_mask(const Tensor& mask, const Shape& shape);

 protected:
  explicit Merge(LayerArgs args) : Layer(std::move(args)) {}
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;
  // Combines the inputs (at least one). `masks[i]` is input i's mask, or none (also for an
  // input the call expanded: Keras's merge functions see no mask on it).
  virtual Tensor merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) const = 0;
};

class Add : public Merge {
 public:
  explicit Add(LayerArgs args) : Merge(std::move(args)) {}
  boost::json::object get_config() const override { return base_config(); }
  static std::shared_ptr<Add> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  Tensor merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) const override;
};

// ---- Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot ----

// inputs[0] - inputs[1]: exactly two inputs.
class Subtract : public Merge {
 public:
  explicit Subtract(LayerArgs args) : Merge(std::move(args)) {}
  boost::json::object get_config() const override { return base_config(); }
  static std::shared_ptr<Subtract> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  Tensor merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) const override;
};

// The product; masked positions count as 1, and as 0 where every input is masked (when
// all inputs carry masks), as Keras.
class Multiply : public Merge {
 public:
  explicit Multiply(LayerArgs args) : Merge(std::move(args)) {}
  boost::json::object get_config() const override { return base_config(); }
  static std::shared_ptr<Multiply> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  Tensor merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) const override;
};

// The sum divided by the number of inputs.
class Average : public Merge {
 public:
  explicit Average(LayerArgs args) : Merge(std::move(args)) {}
  boost::json::object get_config() const override { return base_config(); }
  static std::shared_ptr<Average> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  Tensor merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) const override;
};

// Element-wise maximum / minimum; a masked position takes the other operand's value.
class Maximum : public Merge {
 public:
  explicit Maximum(LayerArgs args) : Merge(std::move(args)) {}
  boost::json::object get_config() const override { return base_config(); }
  static std::shared_ptr<Maximum> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  Tensor merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) const override;
};

class Minimum : public Merge {
 public:
  explicit Minimum(LayerArgs args) : Merge(std::move(args)) {}
  boost::json::object get_config() const override { return base_config(); }
  static std::shared_ptr<Minimum> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  Tensor merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) const override;
};

// Joins the inputs along `axis`; every other dimension must match. Output mask: the
// inputs' masks (all-true for an input without one) joined, then any() over the last axis.
class Concatenate : public Merge {
 public:
  struct Options {
    std::int64_t axis = -1;
  };
  static const config::Fields<Options>& fields();
  Concatenate(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<Concatenate> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::vector<std::optional<Tensor>> compute_mask(const CallArgs& args,
                                                  const std::vector<Tensor>& outputs) const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;
  Tensor merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) const override;

 private:
  Options options_;
};

// Keras's batch_dot of two inputs over axes (one int for both, or one per input; never the
// batch axis), optionally L2-normalizing both along those axes first. No output mask.
class Dot : public Merge {
 public:
  struct Options {
    std::vector<std::int64_t> axes;  // one (both inputs) or two values
    bool axes_is_list = false;
    bool normalize = false;
  };
  static const config::Fields<Options>& fields();
  Dot(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<Dot> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::vector<std::optional<Tensor>> compute_mask(const CallArgs&, const std::vector<Tensor>& outputs) const override {
    return std::vector<std::optional<Tensor>>(outputs.size());
  }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;
  Tensor merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) const override;

 private:
  // The two axes for inputs of these ranks (negative ones counted from the end).
  std::pair<std::int64_t, std::int64_t> resolved_axes(std::int64_t rank1, std::int64_t rank2) const;
  Options options_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
