// SimpleRNNCell and SimpleRNN: h = activation(x @ kernel + bias + h_prev @ recurrent_kernel).
#include "kplug/layers/rnn.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/kernels.hpp"
#include "layers/planning/step_activation.hpp"
#include "layers/rnn/rnn_fields.hpp"

namespace kplug::layers {

const config::Fields<SimpleRNNCell::Options>& SimpleRNNCell::fields() {
  using namespace detail;
  static const config::Fields<Options> list = units_fields() + activation_fields() + use_bias_fields() +
                                              initializer_fields() + regularizer_fields() + constraint_fields() +
                                              dropout_fields() + seed_fields() + cell_accepted_fields();
  return list;
}

void SimpleRNNCell::build(const std::vector<PartialShape>& input_shapes) {
  build_gates(input_shapes, 1, {options_.units}, options_.bias_initializer);
}

std::vector<Tensor> SimpleRNNCell::step(const Tensor& projected, const std::vector<Tensor>& states) const {
  return {(*options_.activation)(projected + ops::matmul(states[0], recurrent_kernel_->value()))};
}

// step() on rows: h' = act(projected + h @ R), in that order of operations.
void SimpleRNNCell::row_step(const float* projected, std::span<float* const> states, std::int64_t batch) const {
  namespace k = ops::kernels;
  const std::int64_t u = options_.units;
  float* h = states[0];
  Tensor product = Tensor::empty({batch, u});  // from the call's buffer pool
  k::gemm(h, recurrent_kernel_->value().data(), product.data(), batch, u, u);
  k::add(projected, product.data(), h, batch * u);
  planning::StepActivation(options_.activation).apply(h, Shape{batch, u});
}

const config::Fields<SimpleRNN::Options>& SimpleRNN::fields() {
  using namespace detail;
  // Keras's SimpleRNN.get_config leaves `seed` out (its constructor takes it).
  static const config::Fields<Options> list =
      config::Fields<Options>(recurrent_fields()) + units_fields() + activation_fields() + use_bias_fields() +
      initializer_fields() + regularizer_fields() + activity_fields<SimpleRNNCellOptions>() + constraint_fields() +
      dropout_fields() + seed_fields(false) + layer_accepted_fields();
  return list;
}

SimpleRNN::SimpleRNN(Options options, LayerArgs args)
    : FlatRNN(std::move(options), std::move(args), "simple_rnn_cell") {}

template class FlatRNN<SimpleRNN, SimpleRNNCell>;

}  // namespace kplug::layers
