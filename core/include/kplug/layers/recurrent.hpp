// keras.layers recurrent layers: the cells (SimpleRNNCell, LSTMCell, GRUCell), the layers
// that run them over a sequence (SimpleRNN, LSTM, GRU) and Bidirectional.
//
// As in Keras, an RNN layer holds its cell under the attribute `cell` (weights at
// `layers/lstm/cell/vars/0..2`), while its config is flat (the cell's keys beside the
// layer's own). Masked steps keep the previous state and repeat the previous output (or
// give zeros with `zero_output_for_mask`); the layers consume a mask but give none.
#pragma once

#include "kplug/activations.hpp"
#include "kplug/config_fields.hpp"
#include "kplug/constraints.hpp"
#include "kplug/initializers.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/number.hpp"
#include "kplug/regularizers.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// Every key of Keras's recurrent configs; each class reads and writes its own subset, in
// Keras's order.
struct RecurrentArgs {
  // The RNN layer's keys.
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool stateful = false;  // refused (NotSupportedError): kplug keeps no state between calls
  bool unroll = false;    // accepted, no effect on the results
  bool zero_output_for_mask = false;
  // The cell's keys.
  std::int64_t units = 0;
  std::shared_ptr<Activation> activation;            // null: tanh (an explicit null in a config: linear)
  std::shared_ptr<Activation> recurrent_activation;  // null: sigmoid (LSTM, GRU)
  bool use_bias = true;
  std::shared_ptr<Initializer> kernel_initializer;     // null: GlorotUniform
  std::shared_ptr<Initializer> recurrent_initializer;  // null: Orthogonal
  std::shared_ptr<Initializer> bias_initializer;       // null: Zeros
  bool unit_forget_bias = true;                        // LSTM: the forget gate's bias starts at 1
  std::shared_ptr<Regularizer> kernel_regularizer, recurrent_regularizer, bias_regularizer;
  std::shared_ptr<Constraint> kernel_constraint, recurrent_constraint, bias_constraint;
  Number dropout = Number::real(0.0);  // identity at inference
  Number recurrent_dropout = Number::real(0.0);
  bool reset_after = true;  // GRU: reset gate applied after the recurrent matmul (bias (2, 3*units))
  std::optional<std::int64_t> seed;
  // Written by the layers at Keras's place among the cell keys (not read through here).
  std::shared_ptr<Regularizer> activity_regularizer;
};

// One step of a recurrent layer. Called as a layer on [x, state...] it gives
// [output, new state...] (Keras's cell(inputs, states)).
class RNNCell : public Layer {
 public:
  RNNCell(RecurrentArgs args, LayerArgs layer_args);
  const RecurrentArgs& args() const noexcept { return args_; }
  std::int64_t units() const noexcept { return args_.units; }
  // One size per state (LSTM: h and c).
  virtual std::size_t state_count() const { return 1; }
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

  // The input half of a step for many rows at once, x (n, input_dim) -> (n, k * units):
  // the recurrent loop computes it for every time step with one GEMM.
  virtual Tensor project_inputs(const Tensor& x) const;
  // The new states from a step's projected inputs and the previous states; the step's
  // output is the first new state.
  virtual std::vector<Tensor> step(const Tensor& projected, const std::vector<Tensor>& states) const = 0;

  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& recurrent_kernel() const noexcept { return recurrent_kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 protected:
  // The keys this class writes, in Keras's order.
  virtual const config::Fields<RecurrentArgs>& fields() const = 0;
  // kernel (input_dim, gates * units), recurrent_kernel (units, gates * units), bias.
  void build_gates(const std::vector<PartialShape>& input_shapes, std::int64_t gates, Shape bias_shape,
                   std::shared_ptr<Initializer> bias_initializer);
  std::vector<Tensor> call(CallArgs& args) override;

  RecurrentArgs args_;
  VariablePtr kernel_, recurrent_kernel_, bias_;
};

class SimpleRNNCell : public RNNCell {
 public:
  SimpleRNNCell(RecurrentArgs args, LayerArgs layer_args);
  static std::shared_ptr<SimpleRNNCell> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<Tensor> step(const Tensor& projected, const std::vector<Tensor>& states) const override;

 protected:
  const config::Fields<RecurrentArgs>& fields() const override;
  void build(const std::vector<PartialShape>& input_shapes) override;
};

class LSTMCell : public RNNCell {
 public:
  LSTMCell(RecurrentArgs args, LayerArgs layer_args);
  static std::shared_ptr<LSTMCell> from_config(const boost::json::object& config, DeserializationContext& context);
  std::size_t state_count() const override { return 2; }
  std::vector<Tensor> step(const Tensor& projected, const std::vector<Tensor>& states) const override;

 protected:
  const config::Fields<RecurrentArgs>& fields() const override;
  void build(const std::vector<PartialShape>& input_shapes) override;
};

class GRUCell : public RNNCell {
 public:
  GRUCell(RecurrentArgs args, LayerArgs layer_args);
  static std::shared_ptr<GRUCell> from_config(const boost::json::object& config, DeserializationContext& context);
  Tensor project_inputs(const Tensor& x) const override;
  std::vector<Tensor> step(const Tensor& projected, const std::vector<Tensor>& states) const override;

 protected:
  const config::Fields<RecurrentArgs>& fields() const override;
  void build(const std::vector<PartialShape>& input_shapes) override;
};

// Runs a cell over the time axis of (batch, time, features) inputs. Call arguments:
// `mask` (batch, time) and `initial_state` (one tensor per state).
class RNN : public Layer {
 public:
  const RecurrentArgs& args() const noexcept { return args_; }
  const std::shared_ptr<RNNCell>& cell() const noexcept { return cell_; }
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::vector<LayerAttribute> layer_attributes() const override;
  // Bidirectional forces it to its return_sequences, as Keras does.
  void set_zero_output_for_mask(bool value) noexcept { args_.zero_output_for_mask = value; }

 protected:
  RNN(RecurrentArgs args, std::shared_ptr<RNNCell> cell, LayerArgs layer_args);
  // The layer's keys after the RNN ones, in Keras's order.
  virtual const config::Fields<RecurrentArgs>& fields() const = 0;
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  RecurrentArgs args_;
  std::shared_ptr<RNNCell> cell_;
};

class SimpleRNN : public RNN {
 public:
  SimpleRNN(RecurrentArgs args, LayerArgs layer_args);
  static std::shared_ptr<SimpleRNN> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  const config::Fields<RecurrentArgs>& fields() const override;
};

class LSTM : public RNN {
 public:
  LSTM(RecurrentArgs args, LayerArgs layer_args);
  static std::shared_ptr<LSTM> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  const config::Fields<RecurrentArgs>& fields() const override;
};

class GRU : public RNN {
 public:
  GRU(RecurrentArgs args, LayerArgs layer_args);
  static std::shared_ptr<GRU> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  const config::Fields<RecurrentArgs>& fields() const override;
};

// Runs `layer` forwards and a copy (or `backward_layer`) backwards over the sequence and
// merges their outputs: "concat" (default), "sum", "mul", "ave", or none (both outputs).
class Bidirectional : public Layer {
 public:
  enum class Merge { concat, sum, mul, ave, none };
  // `backward_layer` null: a copy of `layer` with go_backwards set (Keras's names:
  // forward_<name>, backward_<name>).
  Bidirectional(std::shared_ptr<RNN> layer, std::shared_ptr<RNN> backward_layer, Merge merge, LayerArgs args);
  static std::shared_ptr<Bidirectional> from_config(const boost::json::object& config, DeserializationContext& context);
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::vector<LayerAttribute> layer_attributes() const override;
  const std::shared_ptr<RNN>& forward_layer() const noexcept { return forward_; }
  const std::shared_ptr<RNN>& backward_layer() const noexcept { return backward_; }
  Merge merge_mode() const noexcept { return merge_; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  std::shared_ptr<RNN> forward_, backward_;
  Merge merge_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
