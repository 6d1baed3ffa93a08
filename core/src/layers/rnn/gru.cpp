// GRUCell and GRU (Keras's implementation 2). z, r = recurrent_activation(x_z + h @ R_z, x_r + h @ R_r);
// reset_after: hh = activation(x_h + r * (h @ R_h + b_rh)), else activation(x_h + (r * h) @ R_h);
// h' = z * h + (1 - z) * hh.
#include "kplug/layers/rnn.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/kernels.hpp"
#include "layers/planning/step_activation.hpp"
#include "layers/rnn/rnn_fields.hpp"

namespace kplug::layers {

namespace {

Tensor block(const Tensor& z, std::int64_t k, std::int64_t units) {
  return ops::slice_axis(z, -1, k * units, (k + 1) * units);
}

// h = z * h + (1 - z) * hh, with two scratch blocks of n values.
void update_rows(const float* z, const float* hh, float* h, float* scratch_a, float* scratch_b, std::int64_t n) {
  namespace k = ops::kernels;
  k::multiply(z, h, scratch_a, n);
  k::subtract_from(1.0f, z, scratch_b, n);
  k::multiply(scratch_b, hh, scratch_b, n);
  k::add(scratch_a, scratch_b, h, n);
}

// z = rec(z + z_inner), r = rec(r + r_inner) over rows of u values: the update and reset gates.
void gate_rows(float* z, const float* z_inner, float* r, const float* r_inner, std::int64_t n, const Shape& rows,
               const planning::StepActivation& rec) {
  namespace k = ops::kernels;
  k::add(z, z_inner, z, n);
  rec.apply(z, rows);
  k::add(r, r_inner, r, n);
  rec.apply(r, rows);
}

// step() on rows without reset_after: inner = h @ R_zr; z, r = rec(x_z + inner_z, x_r + inner_r);
// hh = act(x_h + (r * h) @ R_h); h' = z * h + (1 - z) * hh, in that order of operations. R's
// blocks are made contiguous, as ops::slice_axis gives them to step()'s products.
void reset_before_rows(const float* projected, float* h, std::int64_t batch, std::int64_t u, const float* kernel,
                       const planning::StepActivation& act, const planning::StepActivation& rec) {
  namespace k = ops::kernels;
  const std::int64_t n = batch * u;
  Tensor blocks = Tensor::empty({3, u, u});  // from the call's buffer pool: R_zr (u, 2u), R_h (u, u)
  float *r_zr = blocks.data(), *r_h = r_zr + 2 * u * u;
  k::copy_block(kernel, u, 2 * u, 3 * u, r_zr);
  k::copy_block(kernel + 2 * u, u, u, 3 * u, r_h);
  Tensor inner = Tensor::empty({batch, 2 * u});
  k::gemm(h, r_zr, inner.data(), batch, u, 2 * u);
  Tensor parts = Tensor::empty({6, batch, u});  // z, r, hh, inner_z, inner_r, (r * h) @ R_h
  float* p = parts.data();
  float *z = p, *r = p + n, *hh = p + 2 * n, *zi = p + 3 * n, *ri = p + 4 * n, *rest = p + 5 * n;
  for (std::int64_t g = 0; g < 3; ++g) k::copy_block(projected + g * u, batch, u, 3 * u, p + g * n);
  k::copy_block(inner.data(), batch, u, 2 * u, zi);
  k::copy_block(inner.data() + u, batch, u, 2 * u, ri);
  const Shape rows{batch, u};
  gate_rows(z, zi, r, ri, n, rows, rec);
  k::multiply(r, h, ri, n);
  k::gemm(ri, r_h, rest, batch, u, u);
  k::add(hh, rest, hh, n);
  act.apply(hh, rows);
  update_rows(z, hh, h, zi, ri, n);
}

}  // namespace

const config::Fields<GRUCell::Options>& GRUCell::fields() {
  using namespace detail;
  static const config::Fields<Options> list = config::Fields<Options>(units_fields()) + activation_fields() +
                                              recurrent_activation_fields() + use_bias_fields() + initializer_fields() +
                                              regularizer_fields() + constraint_fields() + dropout_fields() +
                                              reset_after_fields() + seed_fields() + cell_accepted_fields();
  return list;
}

void GRUCell::build(const std::vector<PartialShape>& input_shapes) {
  Shape bias_shape = options_.reset_after ? Shape{2, 3 * options_.units} : Shape{3 * options_.units};
  build_gates(input_shapes, 3, std::move(bias_shape), options_.bias_initializer);
}

Tensor GRUCell::project_inputs(const Tensor& x) const {
  Tensor y = ops::matmul(x, kernel_->value());
  if (bias_) {
    // reset_after: row 0 is the input bias, row 1 the recurrent one.
    const Tensor& b = bias_->value();
    ops::add_(y, options_.reset_after ? b.slice_rows(0, 1) : b);
  }
  return y;
}

std::vector<Tensor> GRUCell::step(const Tensor& projected, const std::vector<Tensor>& states) const {
  const std::int64_t u = options_.units;
  const Activation& act = *options_.activation;
  const Activation& rec = *options_.recurrent_activation;
  const Tensor& h_prev = states[0];
  const Tensor& kernel = recurrent_kernel_->value();
  Tensor hh;
  if (options_.reset_after) {
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

// step() on rows (without reset_after: reset_before_rows). reset_after: inner = h @ R + b_r;
// z, r = rec(x_z + inner_z, x_r + inner_r); hh = act(x_h + r * inner_h); h' = z * h + (1 - z) * hh,
// in that order of operations.
void GRUCell::row_step(const float* projected, std::span<float* const> states, std::int64_t batch) const {
  namespace k = ops::kernels;
  const std::int64_t u = options_.units, n = batch * u;
  float* h = states[0];
  const planning::StepActivation act(options_.activation), rec(options_.recurrent_activation);
  if (!options_.reset_after)
    return reset_before_rows(projected, h, batch, u, recurrent_kernel_->value().data(), act, rec);
  Tensor inner = Tensor::empty({batch, 3 * u});  // from the call's buffer pool
  float* ip = inner.data();
  k::gemm(h, recurrent_kernel_->value().data(), ip, batch, u, 3 * u);
  if (bias_) k::add_row(ip, bias_->value().data() + 3 * u, batch, 3 * u);  // row 1: the recurrent bias
  Tensor parts = Tensor::empty({6, batch, u});                             // x_z, x_r, x_h, inner_z, inner_r, inner_h
  float* p = parts.data();
  for (std::int64_t g = 0; g < 3; ++g) {
    k::copy_block(projected + g * u, batch, u, 3 * u, p + g * n);
    k::copy_block(ip + g * u, batch, u, 3 * u, p + (3 + g) * n);
  }
  float *z = p, *r = p + n, *hh = p + 2 * n, *zh = p + 3 * n, *rh = p + 4 * n, *rest = p + 5 * n;
  const Shape rows{batch, u};
  gate_rows(z, zh, r, rh, n, rows, rec);
  k::multiply(r, rest, rest, n);
  k::add(hh, rest, hh, n);
  act.apply(hh, rows);
  update_rows(z, hh, h, zh, rh, n);
}

const config::Fields<GRU::Options>& GRU::fields() {
  using namespace detail;
  static const config::Fields<Options> list =
      config::Fields<Options>(recurrent_fields()) + units_fields() + activation_fields() +
      recurrent_activation_fields() + use_bias_fields() + initializer_fields() + regularizer_fields() +
      activity_fields<GRUCellOptions>() + constraint_fields() + dropout_fields() + reset_after_fields() +
      seed_fields() + layer_accepted_fields();
  return list;
}

GRU::GRU(Options options, LayerArgs args) : FlatRNN(std::move(options), std::move(args), "gru_cell") {}

template class FlatRNN<GRU, GRUCell>;

}  // namespace kplug::layers
