// GRUCell and GRU (Keras's implementation 2). z, r = recurrent_activation(x_z + h @ R_z, x_r + h @ R_r);
// reset_after: hh = activation(x_h + r * (h @ R_h + b_rh)), else activation(x_h + (r * h) @ R_h);
// h' = z * h + (1 - z) * hh.
#include "kplug/layers/rnn.hpp"
#include "kplug/ops.hpp"
#include "layers/rnn/rnn_fields.hpp"

namespace kplug::layers {

namespace {

Tensor block(const Tensor& z, std::int64_t k, std::int64_t units) {
  return ops::slice_axis(z, -1, k * units, (k + 1) * units);
}

const config::Fields<RecurrentArgs>& gru_cell_fields() {
  static const auto f = detail::recurrent_fields(
      {"units", "activation", "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
       "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
       "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "reset_after", "seed"});
  return f;
}

const config::Fields<RecurrentArgs>& gru_fields() {
  static const auto f = detail::recurrent_fields(
      {"units", "activation", "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
       "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
       "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "reset_after",
       "seed"});
  return f;
}

}  // namespace

GRUCell::GRUCell(RecurrentArgs args, LayerArgs layer_args) : RNNCell(std::move(args), std::move(layer_args)) {}

const config::Fields<RecurrentArgs>& GRUCell::fields() const { return gru_cell_fields(); }

std::shared_ptr<GRUCell> GRUCell::from_config(const boost::json::object& config, DeserializationContext& context) {
  auto c = detail::read_cell_config(config, context, "GRUCell", gru_cell_fields());
  return std::make_shared<GRUCell>(std::move(c.args), std::move(c.layer_args));
}

void GRUCell::build(const std::vector<PartialShape>& input_shapes) {
  Shape bias_shape = args_.reset_after ? Shape{2, 3 * args_.units} : Shape{3 * args_.units};
  build_gates(input_shapes, 3, std::move(bias_shape), args_.bias_initializer);
}

Tensor GRUCell::project_inputs(const Tensor& x) const {
  Tensor y = ops::matmul(x, kernel_->value());
  if (bias_) {
    // reset_after: row 0 is the input bias, row 1 the recurrent one.
    const Tensor& b = bias_->value();
    ops::add_(y, args_.reset_after ? b.slice_rows(0, 1) : b);
  }
  return y;
}

std::vector<Tensor> GRUCell::step(const Tensor& projected, const std::vector<Tensor>& states) const {
  const std::int64_t u = args_.units;
  const Activation& act = *args_.activation;
  const Activation& rec = *args_.recurrent_activation;
  const Tensor& h_prev = states[0];
  const Tensor& kernel = recurrent_kernel_->value();
  Tensor hh;
  if (args_.reset_after) {
    Tensor inner = ops::matmul(h_prev, kernel);
    if (bias_) ops::add_(inner, bias_->value().slice_rows(1, 2));
    const Tensor z = rec(block(projected, 0, u) + block(inner, 0, u));
    const Tensor r = rec(block(projected, 1, u) + block(inner, 1, u));
    hh = act(block(projected, 2, u) + r * block(inner, 2, u));
    return {z * h_prev + (1.0f - z) * hh};
  }
  const Tensor inner = ops::matmul(h_prev, block(kernel, 0, 2 * u));
  const Tensor z = rec(block(projected, 0, u) + block(inner, 0, u));
  const Tensor r = rec(block(projected, 1, u) + block(inner, 1, u));
  hh = act(block(projected, 2, u) + ops::matmul(r * h_prev, block(kernel, 2, u)));
  return {z * h_prev + (1.0f - z) * hh};
}

GRU::GRU(RecurrentArgs args, LayerArgs layer_args)
    : RNN(args, std::make_shared<GRUCell>(args, detail::cell_layer_args(layer_args, "gru_cell")), layer_args) {}

void GRU::write_cell_config(boost::json::object& config) const {
  detail::write_flat_cell_config(*this, gru_fields(), config);
}

std::shared_ptr<GRU> GRU::from_config(const boost::json::object& config, DeserializationContext& context) {
  auto c = detail::read_rnn_layer_config(config, context, "GRU", gru_fields());
  return std::make_shared<GRU>(std::move(c.args), std::move(c.layer_args));
}

}  // namespace kplug::layers
