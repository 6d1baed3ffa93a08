// keras.Model: a layer made of layers. Sequential and Functional derive from it, and so
// do subclassed models registered by plugins.
#pragma once

#include "kplug/layers/core.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/models/compile_config.hpp"
#include "kplug/serialization.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug {

namespace detail {
class BufferPools;
class ExecutionPlan;
class ExecutionPlans;
struct InferenceGraph;
}  // namespace detail

class Model : public Layer {
 public:
  static constexpr Kind static_kind = Kind::model;
  ~Model() override;
  Kind kind() const override { return static_kind; }

  // Keras's `model.layers` (Sequential: without its InputLayer; Functional: with them).
  virtual std::vector<LayerPtr> layers() const = 0;
  // "No such layer: <name>. Existing layers are: [...]." when absent.
  LayerPtr get_layer(std::string_view name) const;
  LayerPtr get_layer(std::size_t index) const;

  // The InputLayers in `model.inputs` order, and the names of the layers that produce
  // `model.outputs` (io.json's input and output names).
  virtual std::vector<std::shared_ptr<layers::InputLayer>> input_layers() const = 0;
  virtual std::vector<std::string> output_names() const = 0;
  virtual std::vector<PartialShape> output_shapes() const = 0;

  // Runs the model on `inputs` (one per model input, batch first) in batches of
  // `batch_size` rows; outputs in `model.outputs` order.
  //
  // Safe from any number of threads at once on one model (tests/unit/test_concurrent_predict
  // runs under ThreadSanitizer). Layer::call is not const (training code may use it to change a
  // layer), but what an inference call changes is guarded: variables' values and the caches
  // derived from them (ops::DerivedTensorCache) behind their mutexes, activity losses behind
  // one, names fixed once (std::call_once), scopes thread_local, tensors shared copy-on-write
  // with atomic counts; a layer not built yet builds under its build lock. The one state a
  // predict updates on purpose, a stateful RNN's states, is read and replaced under that
  // layer's lock (no torn states); the order of concurrent predicts through a stateful model is
  // unspecified, so a host that needs one order runs them one at a time.
  // Not safe against a concurrent non-const call (load_weights, set_weights, reset_states...).
  //
  // A model whose every layer offers an InferenceStep (Dense, LayerNormalization, Add,
  // Dropout, Flatten...) runs through an execution plan made at the first call with an input
  // shape (and again after its weights are assigned): steps in order over storage planned
  // once (docs/performance.md, "Execution plans"). Other models run their layers' calls.
  //
  // Tensors made during a call come from a pool of buffers the model keeps (one per concurrent
  // call), so a steady stream of calls of one input shape reuses the same memory
  // (docs/performance.md, "Buffer reuse"). The outputs are ordinary tensors the caller may
  // keep; once dropped, their buffers return to the pool.
  std::vector<Tensor> predict(const std::vector<Tensor>& inputs, std::int64_t batch_size = 32) const;
  // Whether predict runs an execution plan on one batch of inputs like these (their shapes
  // and dtypes), making it if there is none yet (kplug inspect, tests).
  bool has_execution_plan(const std::vector<Tensor>& inputs) const;
  // Inputs by InputLayer name.
  std::vector<Tensor> predict_named(const std::map<std::string, Tensor, std::less<>>& inputs,
                                    std::int64_t batch_size = 32) const;

  // Keras's model.summary() table: Layer (type), Output Shape, Param # (and Connected
  // to for graphs that are not a chain), then the totals.
  std::string summary() const;
  std::int64_t count_trainable_params() const;
  std::int64_t count_non_trainable_params() const;

  // Compact JSON of the model dict, as Keras's model.to_json().
  std::string to_json() const;

  // Keras's get_compile_config: {} when not compiled, else the arguments as read with the
  // optimizer serialized from its current state (kplug/models/compile_config.hpp).
  boost::json::value compile_config() const;
  bool compiled() const noexcept { return compile_state_ != nullptr; }
  // Null when not compiled.
  const CompileState* compile_state() const noexcept { return compile_state_.get(); }
  // The compiled optimizer (null when not compiled, or compiled without one). Saved as the
  // model's `optimizer` child ("optimizer/vars" in weights files).
  const OptimizerPtr& optimizer() const noexcept;
  // Compiles from a compile_config ({} or null: not compiled).
  void set_compile_config(const boost::json::value& config);
  // Keras's compile_from_config, called by the deserializer with a non-empty
  // compile_config: deserializes it and, when the model is built, builds the optimizer on
  // trainable_weights() (so its variables load with the weights).
  void compile_from_config(const boost::json::object& config) override;
  // Layer's children, then `optimizer` when compiled with one.
  std::vector<saving::SaveableChild> children() const override;

  // Keras's `layers` attribute (walked first): weight paths `layers/<snake_case class>`,
  // uniquified in order.
  std::vector<LayerAttribute> layer_attributes() const override;

  // Keras's save_weights / load_weights through a WeightsStore (saving::save_state /
  // load_state: paths, counts, shapes and Keras's messages, failures collected).
  // Loading into a model that was never built is an error. A compiled model whose
  // optimizer is not built yet builds it first, so that "optimizer/vars" loads.
  void save_weights(saving::WeightsStore& store) const;
  void load_weights(const saving::WeightsStore& store);

 protected:
  explicit Model(LayerArgs args);
  // The layers saved under "layers/" (Keras's `model.layers`).
  virtual std::vector<LayerPtr> saved_layers() const { return layers(); }
  // The layer calls predict's execution plan runs for inputs of these specs
  // (core/src/models/execution_plan.hpp), or null: predict runs call() (the default).
  virtual std::shared_ptr<const detail::InferenceGraph> inference_graph(const std::vector<TensorSpec>& inputs) const;
  // The layers changed (Sequential::add): the plans made for the old ones go.
  void forget_plans();

 private:
  friend class detail::ExecutionPlan;  // plans a nested model's layers in its outer model's plan
  std::shared_ptr<const detail::ExecutionPlan> plan_for(const std::vector<Tensor>& inputs) const;
  std::vector<Tensor> run_batch(const std::vector<Tensor>& inputs) const;

  std::shared_ptr<CompileState> compile_state_;
  std::unique_ptr<detail::BufferPools> buffer_pools_;  // predict's (see there)
  std::unique_ptr<detail::ExecutionPlans> plans_;      // predict's, by input shapes
};

using ModelPtr = std::shared_ptr<Model>;

// keras.models.model_from_json: the model of a `to_json()` text.
ModelPtr model_from_json(std::string_view text, const DeserializeOptions& options = {});
// keras.models.model_from_config / deserialize_keras_object of a model dict.
ModelPtr model_from_config(const boost::json::value& config, const DeserializeOptions& options = {});
// keras.models.clone_model: the same structure rebuilt from each layer's config, fresh
// weights, shared layers still shared, compile_config kept.
ModelPtr clone_model(const Model& model);

}  // namespace kplug

#pragma GCC visibility pop
