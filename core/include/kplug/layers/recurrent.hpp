// keras.layers recurrent layers: the cells (SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells,
// ConvLSTMCell), the layers that run them over a sequence (RNN, SimpleRNN, LSTM, GRU,
// ConvLSTM1D/2D), Bidirectional and TimeDistributed.
//
// As in Keras, an RNN layer holds its cell under the attribute `cell` (weights at
// `layers/lstm/cell/vars/0..2`, a StackedRNNCells' at `layers/rnn/cell/cells/lstm_cell/vars/*`),
// while the configs of SimpleRNN, LSTM, GRU and ConvLSTM are flat (the cell's keys beside the
// layer's own) and RNN's holds a `cell` dict. Masked steps keep the previous state and repeat
// the previous output (or give zeros with `zero_output_for_mask`); the layers consume a mask
// but give none.
#pragma once

#include "kplug/activations.hpp"
#include "kplug/config_fields.hpp"
#include "kplug/constraints.hpp"
#include "kplug/initializers.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/number.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/seed.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
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
  std::optional<Seed> seed;
  // Written by the layers at Keras's place among the cell keys (not read through here).
  std::shared_ptr<Regularizer> activity_regularizer;
};

// What RNN runs at each time step: one cell (SimpleRNNCell, LSTMCell, GRUCell, ConvLSTMCell)
// or a StackedRNNCells. Called as a layer on [x, state...] it gives [output, new state...]
// (Keras's cell(inputs, states); without states it starts from zeros).
class RecurrentCell : public Layer {
 public:
  // The number of state tensors (LSTM: h and c; a stack: the sum over its cells).
  virtual std::size_t state_count() const = 0;
  // The states' shapes, batch first, for a step input of `input_shape` (batch first).
  virtual std::vector<PartialShape> state_shapes(const PartialShape& input_shape) const = 0;
  // Which of the new states is the step's output (a stack: its last cell's output).
  virtual std::size_t output_index() const { return 0; }
  // The input half of a step for many rows at once, x (n, step dims...) -> (n, ...): the
  // recurrent loop computes it for every time step in one go (one GEMM, one convolution).
  virtual Tensor project_inputs(const Tensor& x) const = 0;
  // The new states from a step's projected inputs and the previous states.
  virtual std::vector<Tensor> step(const Tensor& projected, const std::vector<Tensor>& states) const = 0;
  // [output, states...].
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  using Layer::Layer;
  std::vector<Tensor> call(CallArgs& args) override;
};

// A dense cell: kernel (input_dim, gates * units), recurrent_kernel (units, gates * units), bias.
class RNNCell : public RecurrentCell {
 public:
  RNNCell(RecurrentArgs args, LayerArgs layer_args);
  const RecurrentArgs& args() const noexcept { return args_; }
  std::int64_t units() const noexcept { return args_.units; }
  std::size_t state_count() const override { return 1; }
  std::vector<PartialShape> state_shapes(const PartialShape& input_shape) const override;
  boost::json::object get_config() const override;
  Tensor project_inputs(const Tensor& x) const override;

  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& recurrent_kernel() const noexcept { return recurrent_kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 protected:
  // The keys this class writes, in Keras's order.
  virtual const config::Fields<RecurrentArgs>& fields() const = 0;
  void build_gates(const std::vector<PartialShape>& input_shapes, std::int64_t gates, Shape bias_shape,
                   std::shared_ptr<Initializer> bias_initializer);

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

// Keras's StackedRNNCells: cells run one after the other within each step, each on the
// previous one's output; the states are every cell's, in order (flat).
class StackedRNNCells : public RecurrentCell {
 public:
  StackedRNNCells(std::vector<std::shared_ptr<RecurrentCell>> cells, LayerArgs layer_args);
  static std::shared_ptr<StackedRNNCells> from_config(const boost::json::object& config,
                                                      DeserializationContext& context);
  const std::vector<std::shared_ptr<RecurrentCell>>& cells() const noexcept { return cells_; }
  std::size_t state_count() const override;
  std::vector<PartialShape> state_shapes(const PartialShape& input_shape) const override;
  std::size_t output_index() const override;
  Tensor project_inputs(const Tensor& x) const override;
  std::vector<Tensor> step(const Tensor& projected, const std::vector<Tensor>& states) const override;
  boost::json::object get_config() const override;
  std::vector<LayerAttribute> layer_attributes() const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;

 private:
  std::vector<std::shared_ptr<RecurrentCell>> cells_;
};

// Runs a cell over the time axis of (batch, time, features...) inputs (Keras's RNN; the
// config's `cell` may be a StackedRNNCells). Call arguments: `mask` (batch, time) and
// `initial_state` (one tensor per state, a stack's flattened).
class RNN : public Layer {
 public:
  RNN(RecurrentArgs args, std::shared_ptr<RecurrentCell> cell, LayerArgs layer_args);
  static std::shared_ptr<RNN> from_config(const boost::json::object& config, DeserializationContext& context);
  const RecurrentArgs& args() const noexcept { return args_; }
  const std::shared_ptr<RecurrentCell>& cell() const noexcept { return cell_; }
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::vector<LayerAttribute> layer_attributes() const override;
  // Bidirectional forces it to its return_sequences, as Keras does.
  void set_zero_output_for_mask(bool value) noexcept { args_.zero_output_for_mask = value; }

 protected:
  // After the RNN keys: RNN writes its `cell` dict; the flat layers (SimpleRNN, LSTM, GRU,
  // ConvLSTM) write their cell's keys instead.
  virtual void write_cell_config(boost::json::object& config) const;
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  RecurrentArgs args_;
  std::shared_ptr<RecurrentCell> cell_;
};

class SimpleRNN : public RNN {
 public:
  SimpleRNN(RecurrentArgs args, LayerArgs layer_args);
  static std::shared_ptr<SimpleRNN> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  void write_cell_config(boost::json::object& config) const override;
};

class LSTM : public RNN {
 public:
  LSTM(RecurrentArgs args, LayerArgs layer_args);
  static std::shared_ptr<LSTM> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  void write_cell_config(boost::json::object& config) const override;
};

class GRU : public RNN {
 public:
  GRU(RecurrentArgs args, LayerArgs layer_args);
  static std::shared_ptr<GRU> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  void write_cell_config(boost::json::object& config) const override;
};

// Runs `layer` (any RNN: SimpleRNN, LSTM, GRU, RNN, ConvLSTM) forwards and a copy (or `backward_layer`) backwards over
// the sequence and merges their outputs: "concat" (default), "sum", "mul", "ave", or none (both outputs).
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

// Keras's ConvLSTMCell arguments: the LSTM ones (units unused) and the convolution's.
template <std::size_t Rank>
struct ConvLSTMArgs : RecurrentArgs {
  std::int64_t filters = 0;
  config::IntTuple<Rank> kernel_size{};
  config::IntTuple<Rank> strides{1};
  std::string padding = "valid";              // "valid" or "same"; any case
  std::string data_format = "channels_last";  // or "channels_first"; any case
  config::IntTuple<Rank> dilation_rate{1};
};

// An LSTM step whose products are convolutions: z = conv(x, kernel) + bias (strides,
// padding, dilation) + conv(h, recurrent_kernel) ("same", stride 1), split along the channels
// into i, f, c, o. Kernels (k..., in, 4 * filters) and (k..., filters, 4 * filters). The cell
// computes channels_last: ConvLSTM moves a channels_first channel axis at its boundary.
// Not registered (Keras does not export it): ConvLSTM configs are flat.
template <std::size_t Rank>
class ConvLSTMCell : public RecurrentCell {
 public:
  using Args = ConvLSTMArgs<Rank>;
  ConvLSTMCell(Args args, LayerArgs layer_args);
  const Args& args() const noexcept { return args_; }
  std::size_t state_count() const override { return 2; }
  // For a channels_last step input (batch, spatial..., channels).
  std::vector<PartialShape> state_shapes(const PartialShape& input_shape) const override;
  Tensor project_inputs(const Tensor& x) const override;
  std::vector<Tensor> step(const Tensor& projected, const std::vector<Tensor>& states) const override;
  boost::json::object get_config() const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;

 private:
  Tensor conv(const Tensor& x, const Tensor& kernel, bool recurrent) const;

  Args args_;
  VariablePtr kernel_, recurrent_kernel_, bias_;
};

extern template class ConvLSTMCell<1>;
extern template class ConvLSTMCell<2>;

// Keras's ConvLSTM: (batch, time, spatial..., channels) (or channels_first) -> the last
// output (batch, spatial..., filters), or all of them with return_sequences; return_state
// adds h and c. Flat config: the RNN keys then the cell's.
template <std::size_t Rank>
class ConvLSTM : public RNN {
 public:
  using Args = ConvLSTMArgs<Rank>;
  ConvLSTM(Args args, LayerArgs layer_args);
  const Args& conv_args() const noexcept { return conv_cell_->args(); }
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  static std::pair<Args, LayerArgs> read_config(const boost::json::object& config, DeserializationContext& context,
                                                const std::string& class_name);
  void write_cell_config(boost::json::object& config) const override;
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  bool channels_first() const noexcept { return conv_cell_->args().data_format == "channels_first"; }
  std::shared_ptr<ConvLSTMCell<Rank>> conv_cell_;
};

extern template class ConvLSTM<1>;
extern template class ConvLSTM<2>;

class ConvLSTM1D : public ConvLSTM<1> {
 public:
  ConvLSTM1D(Args args, LayerArgs layer_args);
  static std::shared_ptr<ConvLSTM1D> from_config(const boost::json::object& config, DeserializationContext& context);
};

class ConvLSTM2D : public ConvLSTM<2> {
 public:
  ConvLSTM2D(Args args, LayerArgs layer_args);
  static std::shared_ptr<ConvLSTM2D> from_config(const boost::json::object& config, DeserializationContext& context);
};

// Applies `layer` to every time step of (batch, time, ...) inputs: time is folded into the
// batch ((batch * time, ...), an O(1) view), the layer runs once, and the result is
// unfolded. A mask (batch, time, ...) is folded alike and given to the layer; the output
// carries none (Keras's supports_masking=False). Weights at `layers/time_distributed/layer/`.
class TimeDistributed : public Layer {
 public:
  TimeDistributed(LayerPtr layer, LayerArgs args);
  static std::shared_ptr<TimeDistributed> from_config(const boost::json::object& config,
                                                      DeserializationContext& context);
  const LayerPtr& layer() const noexcept { return layer_; }
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::vector<LayerAttribute> layer_attributes() const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  LayerPtr layer_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
