// LSTMCell and LSTM (Keras's fused form, implementation 2): z = x @ kernel + h @ recurrent_kernel
// + bias split into i, f, c, o; c' = f * c + i * activation(z_c); h' = o * activation(c').
#include "kplug/layers/rnn.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/kernels.hpp"
#include "layers/planning/step_activation.hpp"
#include "layers/rnn/rnn_fields.hpp"

namespace kplug::layers {

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

const config::Fields<LSTMCell::Options>& LSTMCell::fields() {
  using namespace detail;
  static const config::Fields<Options> list =
      config::Fields<Options>(units_fields()) + activation_fields() + recurrent_activation_fields() +
      use_bias_fields() + unit_forget_bias_fields() + initializer_fields() + regularizer_fields() +
      constraint_fields() + dropout_fields() + seed_fields() + cell_accepted_fields();
  return list;
}

void LSTMCell::build(const std::vector<PartialShape>& input_shapes) {
  std::shared_ptr<Initializer> bias_init = options_.bias_initializer;
  if (options_.unit_forget_bias) bias_init = detail::unit_forget_bias(bias_init, options_.units);
  build_gates(input_shapes, 4, {4 * options_.units}, std::move(bias_init));
}

std::vector<Tensor> LSTMCell::step(const Tensor& projected, const std::vector<Tensor>& states) const {
  const Tensor z = projected + ops::matmul(states[0], recurrent_kernel_->value());
  return detail::lstm_update(z, states[1], *options_.activation, *options_.recurrent_activation);
}

// step() on rows: z = projected + h @ R; i, f, o = rec(gates), c' = f * c + i * act(z_c),
// h' = o * act(c'), in that order of operations.
void LSTMCell::row_step(const float* projected, std::span<float* const> states, std::int64_t batch) const {
  namespace k = ops::kernels;
  const std::int64_t u = options_.units, n = batch * u;
  float* h = states[0];
  float* c = states[1];
  Tensor z = Tensor::empty({batch, 4 * u});  // from the call's buffer pool
  float* zp = z.data();
  k::gemm(h, recurrent_kernel_->value().data(), zp, batch, u, 4 * u);
  k::add(projected, zp, zp, batch * 4 * u);
  Tensor gates = Tensor::empty({4, batch, u});  // i, f, candidate, o: each contiguous
  float* i = gates.data();
  float *f = i + n, *candidate = i + 2 * n, *o = i + 3 * n;
  for (std::int64_t g = 0; g < 4; ++g) k::copy_block(zp + g * u, batch, u, 4 * u, i + g * n);
  const planning::StepActivation act(options_.activation), rec(options_.recurrent_activation);
  const Shape rows{batch, u};
  rec.apply(i, rows);
  rec.apply(f, rows);
  act.apply(candidate, rows);
  rec.apply(o, rows);
  k::multiply(f, c, c, n);
  k::multiply(i, candidate, candidate, n);
  k::add(c, candidate, c, n);
  std::copy_n(c, n, i);  // act(c') where i was
  act.apply(i, rows);
  k::multiply(o, i, h, n);
}

const config::Fields<LSTM::Options>& LSTM::fields() {
  using namespace detail;
  static const config::Fields<Options> list = config::Fields<Options>(recurrent_fields()) + units_fields() +
                                              activation_fields() + recurrent_activation_fields() + use_bias_fields() +
                                              initializer_fields() + unit_forget_bias_fields() + regularizer_fields() +
                                              activity_fields<LSTMCellOptions>() + constraint_fields() +
                                              dropout_fields() + seed_fields() + layer_accepted_fields();
  return list;
}

LSTM::LSTM(Options options, LayerArgs args) : FlatRNN(std::move(options), std::move(args), "lstm_cell") {}

template class FlatRNN<LSTM, LSTMCell>;

}  // namespace kplug::layers
