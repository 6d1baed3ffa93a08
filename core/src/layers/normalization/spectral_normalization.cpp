// SpectralNormalization (keras/src/layers/normalization/spectral_normalization.py), a
// Wrapper: the wrapped layer's weights are under `layer/`, and its kernel is also one of
// the wrapper's own variables (vars/0), as Keras tracks `self.kernel = self.layer.kernel`.
#include "kplug/errors.hpp"
#include "kplug/initializers.hpp"
#include "kplug/layers/normalization.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"
#include "layers/rnn/rnn_fields.hpp"

#include <algorithm>

namespace kplug::layers {
namespace {

using Options = SpectralNormalization::Options;

}  // namespace

const config::Fields<Options>& SpectralNormalization::fields() {
  static const config::Fields<Options> list{
      detail::sub_layer_field<Options, Layer>(
          "layer", &Options::layer,
          [](ConfigReader& r, const boost::json::value& v, Options&) { return deserialize_layer(v, r.context()); })
          .required(),
      config::field("power_iterations", &Options::power_iterations),
  };
  return list;
}

SpectralNormalization::SpectralNormalization(Options options, LayerArgs args)
    : FieldsLayer(std::move(options), std::move(args)) {
  if (!layer()) {
    throw ValueError(
        "Please initialize `SpectralNormalization` layer with a `keras.layers.Layer` instance. Received: None");
  }
  if (options_.power_iterations <= 0) {
    throw ValueError("`power_iterations` should be greater than zero. Received: `power_iterations=" +
                     std::to_string(options_.power_iterations) + "`");
  }
}

std::vector<LayerAttribute> SpectralNormalization::layer_attributes() const {
  return {LayerAttribute{"layer", {layer()}}};
}

std::vector<PartialShape> SpectralNormalization::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  return layer()->compute_output_shape(input_shapes);
}

void SpectralNormalization::build(const std::vector<PartialShape>& input_shapes) {
  layer()->maybe_build(input_shapes);
  const std::vector<VariablePtr> variables = layer()->own_variables();
  for (const char* name : {"kernel", "embeddings"}) {
    auto it = std::find_if(variables.begin(), variables.end(), [&](const VariablePtr& v) { return v->name() == name; });
    if (it != variables.end()) {
      kernel_ = *it;
      break;
    }
  }
  if (!kernel_) fail(layer()->class_name() + " object has no attribute 'kernel' nor 'embeddings'");
  track_variable(kernel_);
  vector_u_ = add_weight({"vector_u",
                          {1, kernel_->shape().back()},
                          std::make_shared<initializers::TruncatedNormal>(Number::real(0.0), Number::real(0.02)),
                          nullptr,
                          nullptr,
                          false});
}

void SpectralNormalization::normalize_kernel() {
  const Tensor& kernel = kernel_->value();
  if (ops::max(ops::abs(kernel)).item() == 0.0f) return;  // Keras keeps an all-zero kernel (and u)
  const Tensor weights = kernel.reshape({-1, kernel.shape().back()});
  Tensor u = vector_u_->value(), v;
  for (std::int64_t i = 0; i < options_.power_iterations; ++i) {
    v = ops::divide_by_norm(ops::matmul(u, weights, false, true), -1);  // keras.utils.normalize, axis=None
    u = ops::divide_by_norm(ops::matmul(v, weights), -1);
  }
  const Tensor sigma = ops::matmul(ops::matmul(v, weights), u, false, true);  // (1, 1)
  vector_u_->assign(u);
  kernel_->assign(ops::divide(kernel, sigma.reshape({})));
}

std::vector<Tensor> SpectralNormalization::call(CallArgs& args) {
  expect_inputs(args, 1);
  if (args.training) normalize_kernel();
  CallArgs inner({args.inputs[0]});
  inner.training = args.training;
  return (*layer())(inner);
}

}  // namespace kplug::layers
