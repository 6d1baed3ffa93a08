// UpSampling1D: each step repeated `size` times (Keras's ops.repeat along axis 1).
#include "kplug/errors.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/ops/broadcast.hpp"
#include "layers/fields_layer.hpp"

namespace kplug::layers {
namespace {

const config::Fields<UpSampling1D::Options>& up_sampling_fields() {
  using O = UpSampling1D::Options;
  static const config::Fields<O> f{config::field("size", &O::size).check([](const std::int64_t& size) {
    return size > 0 ? std::string()
                    : "Argument `size` should be a positive integer. Received: size=" + std::to_string(size);
  })};
  return f;
}

}  // namespace

UpSampling1D::UpSampling1D(Options options, LayerArgs args) : Layer(std::move(args)), options_(options) {
  if (options_.size <= 0) {
    throw ValueError("Argument `size` should be a positive integer. Received: size=" + std::to_string(options_.size));
  }
}

boost::json::object UpSampling1D::get_config() const {
  return detail::write_fields_layer(*this, options_, up_sampling_fields());
}

std::shared_ptr<UpSampling1D> UpSampling1D::from_config(const boost::json::object& config,
                                                        DeserializationContext& context) {
  return detail::read_fields_layer<UpSampling1D>(config, context, "UpSampling1D", up_sampling_fields());
}

std::vector<PartialShape> UpSampling1D::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  PartialShape out = single_shape(input_shapes);
  if (out.rank() != 3) fail("expects inputs of rank 3, got shape " + out.to_string());
  if (out[1]) out[1] = *out[1] * options_.size;
  return {out};
}

std::vector<Tensor> UpSampling1D::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  if (x.rank() != 3) fail("expects inputs of rank 3, got shape " + shape_repr(x.shape()));
  const std::int64_t n = x.dim(0), steps = x.dim(1), channels = x.dim(2);
  // (n, steps, 1, c) broadcast to (n, steps, size, c): numpy's repeat along axis 1.
  const Tensor repeated = ops::broadcast_to(x.reshape({n, steps, 1, channels}), {n, steps, options_.size, channels});
  return {repeated.reshape({n, steps * options_.size, channels})};
}

}  // namespace kplug::layers
