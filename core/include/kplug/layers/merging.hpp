// keras.layers merging layers: element-wise combinations of several inputs with
// numpy broadcasting, as Keras's Merge base does, plus Concatenate and Dot.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/layer.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// Keras's Merge behaviour (merge.cpp), shared by the merge layers' templates: errors name
// `layer`.
// The output shape: inputs of lower rank get length-1 axes after the batch axis, the
// rest broadcast as numpy; at least one input, one batch size.
PartialShape merge_output_shape(const Layer& layer, const std::vector<PartialShape>& input_shapes);
// Expands lower-rank inputs in place (as Keras before merging) and gives each input's
// mask, or none (also for an expanded input: Keras's merge functions see no mask on it).
std::vector<std::optional<Tensor>> expand_merge_inputs(const Layer& layer, CallArgs& args);
// The OR of the input masks, none when any input has none.
std::vector<std::optional<Tensor>> merge_output_masks(const CallArgs& args, const std::vector<Tensor>& outputs);
// A (batch, ...) mask as Keras's merge functions use it: a trailing axis added, broadcast
// to `shape`, as float32 0/1.
Tensor broadcast_merge_mask(const Tensor& mask, const Shape& shape);

// Keras's Merge: at least one input; inputs of lower rank get length-1 axes after the
// batch axis. The output mask is the OR of the input masks, none when any input has none.
template <class Derived, class OptionsT>
class Merge : public FieldsLayer<Derived, OptionsT> {
 public:
  Merge(OptionsT options, LayerArgs args) : FieldsLayer<Derived, OptionsT>(std::move(options), std::move(args)) {}
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override {
    return {merge_output_shape(*this, input_shapes)};
  }
  bool supports_masking() const override { return true; }
  std::vector<std::optional<Tensor>> compute_mask(const CallArgs& args,
                                                  const std::vector<Tensor>& outputs) const override {
    return merge_output_masks(args, outputs);
  }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override { (void)merge_output_shape(*this, input_shapes); }
  std::vector<Tensor> call(CallArgs& args) override {
    const std::vector<std::optional<Tensor>> masks = expand_merge_inputs(*this, args);
    return {merge(args.inputs, masks)};
  }
  // Combines the inputs (at least one). `masks[i]` is input i's mask, or none.
  virtual Tensor merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) const = 0;
};

// The element-wise merges take no keys of their own.
struct MergeOptions {};

enum class MergeOp { add, subtract, multiply, average, maximum, minimum };

// Add: the sum. Subtract: inputs[0] - inputs[1], exactly two inputs. Multiply: the
// product; masked positions count as 1, and as 0 where every input is masked (when all
// inputs carry masks). Average: the sum divided by the number of inputs. Maximum /
// Minimum: element-wise; a masked position takes the other operand's value. As Keras.
template <MergeOp Op>
class ElementwiseMerge : public Merge<ElementwiseMerge<Op>, MergeOptions> {
 public:
  static constexpr std::string_view keras_class_name = std::array<std::string_view, 6>{
      "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"}[static_cast<std::size_t>(Op)];
  static const config::Fields<MergeOptions>& fields();
  using Merge<ElementwiseMerge<Op>, MergeOptions>::Merge;
  // float32 inputs of one batch size, broadcasting as Keras does (masks run through call).
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  Tensor merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) const override;
};

// The Keras classes (instantiated in libkplug).
using Add = ElementwiseMerge<MergeOp::add>;
using Subtract = ElementwiseMerge<MergeOp::subtract>;
using Multiply = ElementwiseMerge<MergeOp::multiply>;
using Average = ElementwiseMerge<MergeOp::average>;
using Maximum = ElementwiseMerge<MergeOp::maximum>;
using Minimum = ElementwiseMerge<MergeOp::minimum>;

struct ConcatenateOptions {
  std::int64_t axis = -1;
};

// Joins the inputs along `axis`; every other dimension must match. Output mask: the
// inputs' masks (all-true for an input without one) joined, then any() over the last axis.
class Concatenate : public Merge<Concatenate, ConcatenateOptions> {
 public:
  static const config::Fields<Options>& fields();
  using Merge::Merge;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::vector<std::optional<Tensor>> compute_mask(const CallArgs& args,
                                                  const std::vector<Tensor>& outputs) const override;
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;
  Tensor merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) const override;
};

struct DotOptions {
  std::vector<std::int64_t> axes;  // one (both inputs) or two values
  bool axes_is_list = false;
  bool normalize = false;
};

// Keras's batch_dot of two inputs over axes (one int for both, or one per input; never the
// batch axis), optionally L2-normalizing both along those axes first. No output mask.
class Dot : public Merge<Dot, DotOptions> {
 public:
  static const config::Fields<Options>& fields();
  Dot(Options options, LayerArgs args);
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
};

}  // namespace kplug::layers

#pragma GCC visibility pop
