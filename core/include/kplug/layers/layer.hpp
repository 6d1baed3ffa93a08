// keras.layers.Layer: the base of every layer, built-in or from a plugin.
//
// A subclass:
//  - reads its config in a static `from_config(config, context)`: `LayerArgs::read`
//    for the base keys (name, trainable, dtype, activity_regularizer), then its own
//    keys with the same ConfigReader, then `finish()`;
//  - writes `get_config()` as `base_config()` followed by its own keys, in Keras's order;
//  - creates weights in `build(input_shapes)` with `add_weight` (or marks itself built
//    in its constructor with `mark_built_at_init()`, as Keras layers without state do);
//  - computes in `call(args)`, returning its outputs (usually one tensor);
//  - overrides `compute_output_shape` (the default runs `call` on a small dummy batch),
//    `supports_masking` / `compute_mask` when it handles masks, and `layer_attributes()`
//    when it holds sublayers (under Keras's attribute names: they give weight order and
//    the weight file paths).
#pragma once

#include "kplug/config_reader.hpp"
#include "kplug/layers/call_args.hpp"
#include "kplug/layers/inference_step.hpp"
#include "kplug/layers/partial_shape.hpp"
#include "kplug/layers/variable.hpp"
#include "kplug/object.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/state/saveable.hpp"
#include "kplug/tensor.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug {

class Layer;
using LayerPtr = std::shared_ptr<Layer>;

// The arguments of Keras's base Layer that configs carry.
struct LayerArgs {
  std::optional<std::string> name;  // none: an automatic unique name ("dense", "dense_1", ...)
  bool trainable = true;
  std::shared_ptr<Regularizer> activity_regularizer{};

  // Reads `name`, `trainable`, `dtype` (a DTypePolicy dict or a dtype name; float32 only)
  // and `activity_regularizer`.
  static LayerArgs read(ConfigReader& reader);
};

// Keras's DTypePolicy dict for float32, as layers write it under "dtype".
boost::json::value float32_dtype_policy();

// Sublayers held under one Keras attribute: one layer (`cell`, `forward_layer`) or a
// list (`layers`, named in weight files by snake_case class name, uniquified).
struct LayerAttribute {
  std::string name;
  std::vector<LayerPtr> layers;
  bool is_list = false;
  bool walk_first = false;  // models' `layers`: walked before other attributes
};

class Layer : public Serializable, public saving::Saveable {
 public:
  static constexpr Kind static_kind = Kind::layer;
  ~Layer() override;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;
  Kind kind() const override { return static_kind; }

  // ---- identity ----
  // The given name, else an automatic one (snake_case class name made unique per
  // thread, as Keras's auto_name), fixed on first use.
  const std::string& name() const;
  bool trainable() const noexcept { return trainable_; }
  // Also sets the flag of every own variable (Keras's trainable setter).
  virtual void set_trainable(bool trainable);
  const std::shared_ptr<Regularizer>& activity_regularizer() const noexcept { return activity_regularizer_; }

  // ---- build ----
  bool built() const noexcept { return built_; }
  // Keras's _maybe_build: builds once with these input shapes and records them for
  // `build_config`.
  void maybe_build(const std::vector<PartialShape>& input_shapes);
  // `{"input_shape": ...}` (one shape, or a list of shapes) -> maybe_build; other
  // forms (`shapes_dict`) give their values in order. An empty config does nothing.
  // The deserializer calls it for a non-empty "build_config".
  void build_from_config(const boost::json::object& build_config) override;
  // What Keras writes as "build_config": null when the layer was never built through
  // shapes (unbuilt, or built in its constructor).
  virtual std::optional<boost::json::object> build_config() const;
  const std::optional<std::vector<PartialShape>>& build_shapes() const noexcept { return build_shapes_; }

  // ---- call ----
  // Builds if needed (from the inputs' shapes), runs `call`, rejects keyword
  // arguments `call` did not read, records activity regularization.
  std::vector<Tensor> operator()(CallArgs& args);
  // One tensor in, the first output out.
  Tensor operator()(const Tensor& input);
  virtual std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const;
  // The output shapes of one call with these plain keyword arguments (Keras's
  // compute_output_spec(..., **kwargs)): layers whose outputs depend on them
  // (`reverse=`, `return_attention_scores=`) override it. Default: compute_output_shape.
  virtual std::vector<PartialShape> compute_output_shape_for_call(const std::vector<PartialShape>& input_shapes,
                                                                  const boost::json::object& kwargs) const;
  // This layer's inference on inputs of exactly these specs as a step a model's execution
  // plan runs without allocating (kplug/layers/inference_step.hpp). Null, the default: the
  // model runs its layers one by one through call(). Called on a built layer; a step must
  // compute what call() computes with training false and no masks.
  virtual std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const;
  virtual bool supports_masking() const { return false; }
  // Output masks, one per output (nullopt: none). Default: the first input's mask for
  // every output when supports_masking(), else none.
  virtual std::vector<std::optional<Tensor>> compute_mask(const CallArgs& args,
                                                          const std::vector<Tensor>& outputs) const;

  // ---- weights ----
  // Own trainable, then own non-trainable (Keras's _trainable_variables + _non_trainable_variables).
  std::vector<VariablePtr> own_variables() const;
  // Sublayers by Keras attribute name (`cell`, `forward_layer`, `layer`, ...), in order.
  virtual std::vector<LayerAttribute> layer_attributes() const { return {}; }
  // The same as the saving walk sees them.
  std::vector<saving::SaveableChild> children() const override;
  // Every sublayer once, in attribute order.
  std::vector<LayerPtr> sublayers() const;
  // Own variables, then each sublayer's, without duplicates.
  std::vector<VariablePtr> weights() const;
  std::vector<VariablePtr> trainable_weights() const;
  std::vector<VariablePtr> non_trainable_weights() const;
  std::vector<Tensor> get_weights() const;
  // Keras's checks and messages: count, then each shape.
  void set_weights(const std::vector<Tensor>& values);
  std::int64_t count_params() const;
  // Regularization penalties: each weight regularizer's, then activity regularization of the last call.
  std::vector<float> losses() const;

  // ---- saving (Keras's save_own_variables / load_own_variables) ----
  // own_variables() as "0", "1", ...
  void save_own_variables(saving::WeightsStore::Entry& store) const override;
  // Keras's checks: "Layer '<name>' expected N variables, but received M variables during
  // loading", the never-built message, and each shape ("... must match").
  void load_own_variables(const saving::WeightsStore::Entry& store) override;
  std::optional<std::string> saveable_name() const override { return name(); }

  // ---- config ----
  // `name`, `trainable`, `dtype` (+ `activity_regularizer` when set), in Keras's order.
  boost::json::object base_config() const;

 protected:
  explicit Layer(LayerArgs args);

  // Creates the weights. Called once, by maybe_build.
  virtual void build(const std::vector<PartialShape>& input_shapes);
  virtual std::vector<Tensor> call(CallArgs& args) = 0;
  // Keras layers without state set `built = True` in their constructor: no build_config.
  void mark_built_at_init() noexcept { built_ = true; }
  VariablePtr add_weight(VariableSpec spec);
  // Lists a sublayer's variable among this layer's own too (Keras's wrappers'
  // `self.kernel = self.layer.kernel`): saved with them, listed once in weights().
  void track_variable(VariablePtr variable);
  // Replaces a name set at construction (models renamed by clone_model).
  void set_name(std::string name);

  // Helpers for `build`/`call` messages: "Layer 'dense' ..." errors.
  [[noreturn]] void fail(const std::string& message) const;
  // The single input shape a one-input layer was built with; other counts -> ValueError.
  const PartialShape& single_shape(const std::vector<PartialShape>& input_shapes) const;
  void expect_inputs(const CallArgs& args, std::size_t count) const;

 private:
  mutable std::once_flag name_once_;
  mutable std::string name_;
  bool trainable_ = true;
  bool built_ = false;
  std::shared_ptr<Regularizer> activity_regularizer_;
  std::optional<std::vector<PartialShape>> build_shapes_;
  std::vector<VariablePtr> trainable_variables_;
  std::vector<VariablePtr> non_trainable_variables_;
  mutable std::mutex losses_mutex_;
  std::vector<float> activity_losses_;
};

// Keras's to_snake_case ("PReLU" -> "p_re_lu", "Dense" -> "dense").
using saving::to_snake_case;
// Keras's uniquify/auto_name with this thread's counters: "dense", then "dense_1", ...
std::string unique_object_name(std::string_view prefix);
// Keras's clear_session() for names: the counters of this thread start over.
void reset_object_names();

}  // namespace kplug

#pragma GCC visibility pop
