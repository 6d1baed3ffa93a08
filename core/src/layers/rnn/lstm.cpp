// LSTMCell and LSTM (Keras's fused form, implementation 2): z = x @ kernel + h @ recurrent_kernel
// + bias split into i, f, c, o; c' = f * c + i * activation(z_c); h' = o * activation(c').
#include "kplug/layers/rnn.hpp"
#include "kplug/ops.hpp"
#include "layers/rnn/rnn_fields.hpp"

namespace kplug::layers {

namespace {

const config::Fields<RecurrentArgs>& lstm_cell_fields() {
  static const auto f = detail::recurrent_fields(
      {"units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias", "kernel_initializer",
       "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
       "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed"});
  return f;
}

const config::Fields<RecurrentArgs>& lstm_fields() {
  static const auto f = detail::recurrent_fields(
      {"units", "activation", "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
       "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
       "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
       "recurrent_dropout", "seed"});
  return f;
}

}  // namespace

namespace detail {

namespace {

// Never serialized: the variable keeps it only to draw fresh values.
class UnitForgetBias final : public Initializer {
 public:
  UnitForgetBias(std::shared_ptr<Initializer> inner, std::int64_t units) : inner_(std::move(inner)), units_(units) {}
  Tensor operator()(const Shape&) const override {
    return ops::concatenate({(*inner_)({units_}), Tensor({units_}, 1.0f), (*inner_)({2 * units_})}, 0);
  }
  boost::json::object get_config() const override { return {}; }

 private:
  std::shared_ptr<Initializer> inner_;
  std::int64_t units_;
};

// Block k of width `units` along the last axis.
Tensor gate(const Tensor& z, std::int64_t k, std::int64_t units) {
  return ops::slice_axis(z, -1, k * units, (k + 1) * units);
}

}  // namespace

std::shared_ptr<Initializer> unit_forget_bias(std::shared_ptr<Initializer> inner, std::int64_t units) {
  return std::make_shared<UnitForgetBias>(std::move(inner), units);
}

std::vector<Tensor> lstm_update(const Tensor& z, const Tensor& c_prev, const Activation& act, const Activation& rec) {
  const std::int64_t u = z.dim(-1) / 4;
  const Tensor i = rec(gate(z, 0, u));
  const Tensor f = rec(gate(z, 1, u));
  Tensor c = f * c_prev + i * act(gate(z, 2, u));
  const Tensor o = rec(gate(z, 3, u));
  Tensor h = o * act(c);
  return {std::move(h), std::move(c)};
}

}  // namespace detail

LSTMCell::LSTMCell(RecurrentArgs args, LayerArgs layer_args) : RNNCell(std::move(args), std::move(layer_args)) {}

const config::Fields<RecurrentArgs>& LSTMCell::fields() const { return lstm_cell_fields(); }

std::shared_ptr<LSTMCell> LSTMCell::from_config(const boost::json::object& config, DeserializationContext& context) {
  auto c = detail::read_cell_config(config, context, "LSTMCell", lstm_cell_fields());
  return std::make_shared<LSTMCell>(std::move(c.args), std::move(c.layer_args));
}

void LSTMCell::build(const std::vector<PartialShape>& input_shapes) {
  std::shared_ptr<Initializer> bias_init = args_.bias_initializer;
  if (args_.unit_forget_bias) bias_init = detail::unit_forget_bias(bias_init, args_.units);
  build_gates(input_shapes, 4, {4 * args_.units}, std::move(bias_init));
}

std::vector<Tensor> LSTMCell::step(const Tensor& projected, const std::vector<Tensor>& states) const {
  const Tensor z = projected + ops::matmul(states[0], recurrent_kernel_->value());
  return detail::lstm_update(z, states[1], *args_.activation, *args_.recurrent_activation);
}

LSTM::LSTM(RecurrentArgs args, LayerArgs layer_args)
    : RNN(args, std::make_shared<LSTMCell>(args, detail::cell_layer_args(layer_args, "lstm_cell")), layer_args) {}

void LSTM::write_cell_config(boost::json::object& config) const {
  detail::write_flat_cell_config(*this, lstm_fields(), config);
}

std::shared_ptr<LSTM> LSTM::from_config(const boost::json::object& config, DeserializationContext& context) {
  auto c = detail::read_rnn_layer_config(config, context, "LSTM", lstm_fields());
  return std::make_shared<LSTM>(std::move(c.args), std::move(c.layer_args));
}

}  // namespace kplug::layers
