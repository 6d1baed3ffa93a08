#include "models/conv_fusion.hpp"

#include "kplug/layers/activations.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/merging.hpp"
#include "kplug/layers/normalization.hpp"
#include "kplug/layers/regularization.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/object.hpp"
#include "layers/planning/conv_step.hpp"

#include <string>
#include <typeinfo>
#include <utility>

namespace kplug::conv_fusion {
namespace {

struct ConvParts {
  layers::PreparedConvSpec spec;
  VariablePtr kernel, bias;
};

template <std::size_t Rank>
std::optional<ConvParts> conv_parts_of_rank(const Layer& layer) {
  const auto* conv = dynamic_cast<const layers::ConvLayer<Rank>*>(&layer);
  if (!conv) return std::nullopt;
  auto spec = conv->prepared_spec();
  if (!spec) return std::nullopt;
  return ConvParts{std::move(*spec), conv->kernel(), conv->bias()};
}

std::optional<ConvParts> conv_parts(const Layer& layer) {
  if (auto parts = conv_parts_of_rank<1>(layer)) return parts;
  if (auto parts = conv_parts_of_rank<2>(layer)) return parts;
  return conv_parts_of_rank<3>(layer);
}

// The identity at inference (their call returns the input when training is false).
bool inference_identity(const Layer& layer) {
  const std::type_info& t = typeid(layer);
  return t == typeid(layers::Dropout) || t == typeid(layers::SpatialDropout<1>) ||
         t == typeid(layers::SpatialDropout<2>) || t == typeid(layers::SpatialDropout<3>) ||
         t == typeid(layers::GaussianNoise) || t == typeid(layers::GaussianDropout) ||
         t == typeid(layers::AlphaDropout);
}

// An activation layer's post-ops, or nullopt.
std::optional<std::vector<ops::ConvPostOp>> activation_post_ops(const Layer& layer) {
  if (typeid(layer) == typeid(layers::ReLU)) {
    const auto& o = static_cast<const layers::ReLU&>(layer).options();
    std::optional<float> max_value;
    if (o.max_value) max_value = static_cast<float>(o.max_value->value);
    return ops::relu_post_ops(static_cast<float>(o.negative_slope.value), max_value,
                              static_cast<float>(o.threshold.value));
  }
  if (typeid(layer) == typeid(layers::ActivationLayer)) {
    const auto& activation = static_cast<const layers::ActivationLayer&>(layer).options().activation;
    if (const NamedFunction* f = activation ? activation->as_named_function() : nullptr)
      return ops::activation_post_ops(f->name());
  }
  return std::nullopt;
}

VariablePtr own_variable(const Layer& layer, const std::string& name) {
  for (const VariablePtr& v : layer.own_variables()) {
    if (v->name() == name) return v;
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<FusedConv> FusedConv::start(const Layer& conv) {
  if (!conv.built() || conv.activity_regularizer()) return nullptr;
  auto parts = conv_parts(conv);
  if (!parts || parts->spec.channels_first || !parts->spec.activation) return nullptr;
  std::unique_ptr<FusedConv> chain(new FusedConv());
  chain->conv_ = std::move(parts->spec.conv);
  chain->conv_.post_ops = std::move(*parts->spec.activation);
  chain->kernel_ = std::move(parts->kernel);
  chain->bias_ = std::move(parts->bias);
  return chain;
}

bool FusedConv::absorb(const Layer& next, bool add) {
  if (!next.built() || next.activity_regularizer()) return false;
  if (add) {
    if (residual_ || typeid(next) != typeid(layers::Add)) return false;
    conv_.post_ops.push_back({ops::ConvPostOp::Kind::sum, 0.0f, 0.0f});
    residual_ = true;
    return true;
  }
  if (inference_identity(next)) return true;
  if (auto post_ops = activation_post_ops(next)) {
    conv_.post_ops.insert(conv_.post_ops.end(), post_ops->begin(), post_ops->end());
    return true;
  }
  if (typeid(next) != typeid(layers::BatchNormalization) || batch_norm_ || !conv_.post_ops.empty()) return false;
  const auto& bn = static_cast<const layers::BatchNormalization&>(next);
  const std::int64_t rank = static_cast<std::int64_t>(kernel_->value().rank());
  if (bn.options().axis != -1 && bn.options().axis != rank - 1) return false;  // channels last only
  BatchNorm folded{own_variable(bn, "moving_mean"), own_variable(bn, "moving_variance"), own_variable(bn, "gamma"),
                   own_variable(bn, "beta"), static_cast<float>(bn.options().epsilon)};
  if (!folded.mean || !folded.variance) return false;
  batch_norm_ = std::move(folded);
  return true;
}

namespace {

template <std::size_t Rank>
std::optional<std::vector<std::pair<std::int64_t, std::int64_t>>> zero_padding(const Layer& layer) {
  const auto* padding = dynamic_cast<const layers::BaseZeroPadding<Rank>*>(&layer);
  if (!padding || padding->options().data_format != "channels_last") return std::nullopt;
  return std::vector<std::pair<std::int64_t, std::int64_t>>(padding->options().padding.begin(),
                                                            padding->options().padding.end());
}

}  // namespace

bool FusedConv::absorb_padding(const Layer& padding) {
  if (!conv_.input_padding.empty() || !padding.built() || padding.activity_regularizer()) return false;
  const std::int64_t spatial = static_cast<std::int64_t>(kernel_->value().rank()) - 2;
  std::optional<std::vector<std::pair<std::int64_t, std::int64_t>>> pads = spatial == 1   ? zero_padding<1>(padding)
                                                                           : spatial == 2 ? zero_padding<2>(padding)
                                                                                          : zero_padding<3>(padding);
  if (!pads) return false;
  conv_.input_padding = std::move(*pads);
  return true;
}

std::vector<Tensor> FusedConv::sources() const {
  std::vector<Tensor> out{kernel_->value()};
  for (const VariablePtr& v :
       {bias_, batch_norm_ ? batch_norm_->mean : nullptr, batch_norm_ ? batch_norm_->variance : nullptr,
        batch_norm_ ? batch_norm_->gamma : nullptr, batch_norm_ ? batch_norm_->beta : nullptr}) {
    if (v) out.push_back(v->value());
  }
  return out;
}

std::unique_ptr<ops::PreparedConv> FusedConv::make() const {
  const Tensor& kernel = kernel_->value();
  const Tensor* bias = bias_ ? &bias_->value() : nullptr;
  if (!batch_norm_) return std::make_unique<ops::PreparedConv>(kernel, bias, conv_);
  const BatchNorm& bn = *batch_norm_;
  const ops::FoldedConv folded = ops::fold_batch_normalization(
      kernel, bias, bn.mean->value(), bn.variance->value(), bn.gamma ? &bn.gamma->value() : nullptr,
      bn.beta ? &bn.beta->value() : nullptr, bn.epsilon, conv_.depthwise);
  return std::make_unique<ops::PreparedConv>(folded.kernel, &folded.bias, conv_);
}

Tensor FusedConv::run(const Tensor& x, const Tensor* residual) const {
  return cache_.get(sources(), [this] { return make(); })->run(x, residual);
}

std::unique_ptr<InferenceStep> FusedConv::plan_step(const std::vector<TensorSpec>& inputs) const {
  return layers::planning::make_conv_step(cache_.get(sources(), [this] { return make(); }), inputs, residual_);
}

}  // namespace kplug::conv_fusion
