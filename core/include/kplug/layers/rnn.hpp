// keras.layers recurrent layers (keras/src/layers/rnn/): the cells (SimpleRNNCell, LSTMCell,
// GRUCell, StackedRNNCells, ConvLSTMCell), the layers that run them over a sequence (RNN,
// SimpleRNN, LSTM, GRU, ConvLSTM1D/2D/3D), Bidirectional and TimeDistributed. Every one is a
// FieldsLayer: its Options hold Keras's arguments and defaults, its fields() Keras's keys.
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
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/number.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/seed.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// ---- cells ----

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
  // step() on rows, for a layer's execution plan step: `projected` is the step's projected
  // inputs (batch rows of project_inputs), `states` the states' rows, replaced in place by
  // the new ones. Cells without it (the default) make their layer run through call().
  virtual bool has_row_step() const { return false; }
  virtual void row_step(const float* projected, std::span<float* const> states, std::int64_t batch) const;
  // [output, states...].
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  using Layer::Layer;
  std::vector<Tensor> call(CallArgs& args) override;
};

// SimpleRNNCell's arguments, which every dense cell has.
struct SimpleRNNCellOptions {
  std::int64_t units = 0;
  std::shared_ptr<Activation> activation = builtin_activation("tanh");  // null in a config: linear
  bool use_bias = true;
  std::shared_ptr<Initializer> kernel_initializer = std::make_shared<initializers::GlorotUniform>();
  std::shared_ptr<Initializer> recurrent_initializer = std::make_shared<initializers::Orthogonal>();
  std::shared_ptr<Initializer> bias_initializer = std::make_shared<initializers::Zeros>();
  std::shared_ptr<Regularizer> kernel_regularizer, recurrent_regularizer, bias_regularizer;
  std::shared_ptr<Constraint> kernel_constraint, recurrent_constraint, bias_constraint;
  Number dropout = Number::real(0.0);  // identity at inference
  Number recurrent_dropout = Number::real(0.0);
  std::optional<Seed> seed;
};

// A gated cell's: the gates' activation too.
struct GatedCellOptions : SimpleRNNCellOptions {
  std::shared_ptr<Activation> recurrent_activation = builtin_activation("sigmoid");
};

struct LSTMCellOptions : GatedCellOptions {
  bool unit_forget_bias = true;  // the forget gate's bias starts at 1
};

struct GRUCellOptions : GatedCellOptions {
  bool reset_after = true;  // reset gate applied after the recurrent matmul (bias (2, 3*units))
};

// Keras's ConvLSTMCell arguments: the LSTM ones (units unused) and the convolution's.
template <std::size_t Rank>
struct ConvLSTMCellOptions : LSTMCellOptions, ConvWindowOptions<Rank> {
  std::int64_t filters = 0;
};

// A dense cell: kernel (input_dim, gates * units), recurrent_kernel (units, gates * units), bias.
class RNNCell : public RecurrentCell {
 public:
  // The arguments every dense cell has (its Options' base).
  virtual const SimpleRNNCellOptions& cell_options() const = 0;
  std::int64_t units() const { return cell_options().units; }
  std::size_t state_count() const override { return 1; }
  std::vector<PartialShape> state_shapes(const PartialShape& input_shape) const override;
  Tensor project_inputs(const Tensor& x) const override;

  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& recurrent_kernel() const noexcept { return recurrent_kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 protected:
  using RecurrentCell::RecurrentCell;
  void build_gates(const std::vector<PartialShape>& input_shapes, std::int64_t gates, Shape bias_shape,
                   std::shared_ptr<Initializer> bias_initializer);

  VariablePtr kernel_, recurrent_kernel_, bias_;
};

// One dense cell class: Keras's checks (units > 0) and null arguments as its defaults.
template <class Derived, class OptionsT>
class DenseCell : public FieldsLayer<Derived, OptionsT, RNNCell> {
 public:
  DenseCell(OptionsT options, LayerArgs args);
  const SimpleRNNCellOptions& cell_options() const override { return this->options_; }
};

class SimpleRNNCell : public DenseCell<SimpleRNNCell, SimpleRNNCellOptions> {
 public:
  static const config::Fields<Options>& fields();
  using DenseCell::DenseCell;
  std::vector<Tensor> step(const Tensor& projected, const std::vector<Tensor>& states) const override;
  bool has_row_step() const override { return true; }
  void row_step(const float* projected, std::span<float* const> states, std::int64_t batch) const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
};

class LSTMCell : public DenseCell<LSTMCell, LSTMCellOptions> {
 public:
  static const config::Fields<Options>& fields();
  using DenseCell::DenseCell;
  std::size_t state_count() const override { return 2; }
  std::vector<Tensor> step(const Tensor& projected, const std::vector<Tensor>& states) const override;
  bool has_row_step() const override { return true; }
  void row_step(const float* projected, std::span<float* const> states, std::int64_t batch) const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
};

class GRUCell : public DenseCell<GRUCell, GRUCellOptions> {
 public:
  static const config::Fields<Options>& fields();
  using DenseCell::DenseCell;
  Tensor project_inputs(const Tensor& x) const override;
  std::vector<Tensor> step(const Tensor& projected, const std::vector<Tensor>& states) const override;
  bool has_row_step() const override { return true; }
  void row_step(const float* projected, std::span<float* const> states, std::int64_t batch) const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
};

struct StackedRNNCellsOptions {
  std::vector<std::shared_ptr<RecurrentCell>> cells;  // at least one
};

// Keras's StackedRNNCells: cells run one after the other within each step, each on the
// previous one's output; the states are every cell's, in order (flat).
class StackedRNNCells : public FieldsLayer<StackedRNNCells, StackedRNNCellsOptions, RecurrentCell> {
 public:
  static const config::Fields<Options>& fields();
  StackedRNNCells(Options options, LayerArgs args);
  const std::vector<std::shared_ptr<RecurrentCell>>& cells() const noexcept { return options_.cells; }
  std::size_t state_count() const override;
  std::vector<PartialShape> state_shapes(const PartialShape& input_shape) const override;
  std::size_t output_index() const override;
  Tensor project_inputs(const Tensor& x) const override;
  std::vector<Tensor> step(const Tensor& projected, const std::vector<Tensor>& states) const override;
  std::vector<LayerAttribute> layer_attributes() const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
};

// An LSTM step whose products are convolutions: z = conv(x, kernel) + bias (strides,
// padding, dilation) + conv(h, recurrent_kernel) ("same", stride 1), split along the channels
// into i, f, c, o. Kernels (k..., in, 4 * filters) and (k..., filters, 4 * filters). The cell
// computes channels_last: ConvLSTM moves a channels_first channel axis at its boundary.
// Not registered (Keras does not export it): ConvLSTM configs are flat.
template <std::size_t Rank>
class ConvLSTMCell : public FieldsLayer<ConvLSTMCell<Rank>, ConvLSTMCellOptions<Rank>, RecurrentCell> {
 public:
  static constexpr std::string_view keras_class_name = "ConvLSTMCell";
  using Options = ConvLSTMCellOptions<Rank>;
  static const config::Fields<Options>& fields();
  ConvLSTMCell(Options options, LayerArgs args);
  std::size_t state_count() const override { return 2; }
  // For a channels_last step input (batch, spatial..., channels).
  std::vector<PartialShape> state_shapes(const PartialShape& input_shape) const override;
  Tensor project_inputs(const Tensor& x) const override;
  std::vector<Tensor> step(const Tensor& projected, const std::vector<Tensor>& states) const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;

 private:
  Tensor conv(const Tensor& x, const Tensor& kernel, bool recurrent) const;

  VariablePtr kernel_, recurrent_kernel_, bias_;
};

extern template class ConvLSTMCell<1>;
extern template class ConvLSTMCell<2>;
extern template class ConvLSTMCell<3>;

// ---- layers running a cell ----

// Keras's RNN arguments, which every layer running a cell takes.
struct RecurrentOptions {
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool stateful = false;  // each call starts from the previous call's final states (static batch size)
  bool unroll = false;    // accepted, no effect on the results
  bool zero_output_for_mask = false;
};

// Runs a cell over the time axis of (batch, time, features...) inputs (Keras's RNN.call).
// Call arguments: `mask` (batch, time) and `initial_state` (one tensor per state, a stack's
// flattened). A stateful layer (or one a StreamingSession streams) starts each call from the
// states the previous call ended with (an `initial_state` argument wins), until
// reset_states(). Calls that carry states run one at a time (under the layer's lock), so that
// concurrent predicts on a stateful model each see and leave whole states.
class BaseRNN : public Layer {
 public:
  const std::shared_ptr<RecurrentCell>& cell() const noexcept { return cell_; }
  virtual const RecurrentOptions& recurrent_options() const = 0;
  // Bidirectional forces it to its return_sequences, as Keras does.
  virtual void set_zero_output_for_mask(bool value) = 0;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::vector<LayerAttribute> layer_attributes() const override;

  // Keras's reset_state: the next call starts from zeros.
  void reset_states();
  // A streaming session's switch: while on, calls carry their states as stateful=True does.
  void set_streaming(bool streaming) noexcept { streaming_ = streaming; }
  bool carries_states() const noexcept { return streaming_ || recurrent_options().stateful; }
  // Cells with a row step, no carried states, no return_state: the whole loop as one step.
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  using Layer::Layer;
  // A cell is required.
  void set_cell(std::shared_ptr<RecurrentCell> cell);
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  // The steps of call: the checked input's step shape, the initial states, the masked loop.
  Shape checked_step_shape(const Tensor& x) const;
  std::vector<Tensor> initial_states(const CallArgs& args, const std::vector<Shape>& state_shapes) const;
  std::optional<Tensor> time_major_mask(const CallArgs& args, std::int64_t batch, std::int64_t steps) const;
  std::vector<Tensor> run(const Tensor& projected, const std::optional<Tensor>& mask, std::vector<Tensor>& states,
                          std::int64_t batch) const;

  std::shared_ptr<RecurrentCell> cell_;
  std::mutex carry_mutex_;              // held by a call that carries states, and by reset_states
  std::vector<Tensor> carried_states_;  // the last call's final states, while carrying
  bool streaming_ = false;
};

// A BaseRNN whose options hold the RNN keys: RNN and the flat layers.
template <class Derived, class OptionsT>
class RNNLayer : public FieldsLayer<Derived, OptionsT, BaseRNN> {
 public:
  using Base = FieldsLayer<Derived, OptionsT, BaseRNN>;
  using Base::Base;
  const RecurrentOptions& recurrent_options() const override { return this->options_; }
  void set_zero_output_for_mask(bool value) override { this->options_.zero_output_for_mask = value; }
};

struct RNNOptions : RecurrentOptions {
  std::shared_ptr<RecurrentCell> cell;  // a list in a config: a StackedRNNCells
};

// Keras's RNN: any cell, its config under `cell`.
class RNN : public RNNLayer<RNN, RNNOptions> {
 public:
  static const config::Fields<Options>& fields();
  RNN(Options options, LayerArgs args);
};

// A flat layer's arguments (SimpleRNN, LSTM, GRU, ConvLSTM): the RNN keys and its cell's.
template <class CellOptions>
struct FlatRNNOptions : RecurrentOptions, CellOptions {
  // The layer's (LayerArgs'), set by its constructor: Keras writes it among the cell's keys.
  std::shared_ptr<Regularizer> activity_regularizer;
};

// A layer running a `Cell` built from its own options (named `cell_name`), written back flat.
template <class Derived, class Cell>
class FlatRNN : public RNNLayer<Derived, FlatRNNOptions<typename Cell::Options>> {
 public:
  using Options = FlatRNNOptions<typename Cell::Options>;
  FlatRNN(Options options, LayerArgs args, std::string cell_name);
};

class SimpleRNN : public FlatRNN<SimpleRNN, SimpleRNNCell> {
 public:
  static const config::Fields<Options>& fields();
  SimpleRNN(Options options, LayerArgs args);
};

class LSTM : public FlatRNN<LSTM, LSTMCell> {
 public:
  static const config::Fields<Options>& fields();
  LSTM(Options options, LayerArgs args);
};

class GRU : public FlatRNN<GRU, GRUCell> {
 public:
  static const config::Fields<Options>& fields();
  GRU(Options options, LayerArgs args);
};

// Keras's ConvLSTM: (batch, time, spatial..., channels) (or channels_first) -> the last
// output (batch, spatial..., filters), or all of them with return_sequences; return_state
// adds h and c.
template <std::size_t Rank>
class ConvLSTM : public FlatRNN<ConvLSTM<Rank>, ConvLSTMCell<Rank>> {
 public:
  static constexpr std::string_view keras_class_name =
      detail::ranked_name<Rank>({"ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"});
  using Options = FlatRNNOptions<ConvLSTMCellOptions<Rank>>;
  static const config::Fields<Options>& fields();
  ConvLSTM(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  bool channels_first() const noexcept { return this->options_.data_format == "channels_first"; }
  // The input shape with its channels last (what the cell computes on).
  PartialShape cell_input_shape(const std::vector<PartialShape>& input_shapes) const;
};

extern template class ConvLSTM<1>;
extern template class ConvLSTM<2>;
extern template class ConvLSTM<3>;

using ConvLSTM1D = ConvLSTM<1>;
using ConvLSTM2D = ConvLSTM<2>;
using ConvLSTM3D = ConvLSTM<3>;

// ---- wrappers ----

enum class BidirectionalMerge { concat, sum, mul, ave, none };

struct BidirectionalOptions {
  BidirectionalMerge merge_mode = BidirectionalMerge::concat;  // null in a config: none
  std::shared_ptr<BaseRNN> layer;                              // run forwards
  std::shared_ptr<BaseRNN> backward_layer;                     // null: a copy of `layer` going backwards
};

// Runs `layer` (any RNN: SimpleRNN, LSTM, GRU, RNN, ConvLSTM) forwards and `backward_layer`
// backwards over the sequence and merges their outputs: "concat" (default), "sum", "mul",
// "ave", or none (both outputs). Keras's names: forward_<name>, backward_<name>.
class Bidirectional : public FieldsLayer<Bidirectional, BidirectionalOptions> {
 public:
  using Merge = BidirectionalMerge;
  static const config::Fields<Options>& fields();
  Bidirectional(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::vector<LayerAttribute> layer_attributes() const override;
  const std::shared_ptr<BaseRNN>& forward_layer() const noexcept { return options_.layer; }
  const std::shared_ptr<BaseRNN>& backward_layer() const noexcept { return options_.backward_layer; }
  Merge merge_mode() const noexcept { return options_.merge_mode; }
  // Both loops as one step, when both layers offer theirs (see BaseRNN::plan_inference).
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;
};

struct TimeDistributedOptions {
  LayerPtr layer;
};

// Applies `layer` to every time step of (batch, time, ...) inputs: time is folded into the
// batch ((batch * time, ...), an O(1) view), the layer runs once, and the result is
// unfolded. A mask (batch, time, ...) is folded alike and given to the layer; the output
// carries none (Keras's supports_masking=False). Weights at `layers/time_distributed/layer/`.
class TimeDistributed : public FieldsLayer<TimeDistributed, TimeDistributedOptions> {
 public:
  static const config::Fields<Options>& fields();
  TimeDistributed(Options options, LayerArgs args);
  const LayerPtr& layer() const noexcept { return options_.layer; }
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::vector<LayerAttribute> layer_attributes() const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
