// ReLU, LeakyReLU, ELU and Softmax (keras/src/layers/activations/): stateless, built at init.
#include "kplug/activations.hpp"
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/activations.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/ops/kernels.hpp"
#include "kplug/ops/normalization.hpp"
#include "kplug/ops/reduce.hpp"

#include <algorithm>

namespace kplug::layers {

namespace {

config::Check<Number> not_negative(std::string what) {
  return [what = std::move(what)](const Number& v) -> std::string {
    if (v.value < 0.0 || !std::isfinite(v.value)) {
      return what + " cannot be a negative value. Received: " + json::format_double(v.value);
    }
    return {};
  };
}

}  // namespace

// ---- ReLU ----

const config::Fields<ReLUOptions>& ReLU::fields() {
  using config::field;
  static const config::Fields<Options> list{
      field("max_value", &Options::max_value).check([](const std::optional<Number>& v) -> std::string {
        if (v && (v->value < 0.0 || std::isnan(v->value))) {
          return "max_value of a ReLU layer cannot be a negative value. Received: max_value=" +
                 json::format_double(v->value);
        }
        return {};
      }),
      field("negative_slope", &Options::negative_slope).check(not_negative("negative_slope of a ReLU layer")),
      field("threshold", &Options::threshold).check(config::finite()),
  };
  return list;
}

ReLU::ReLU(Options options, LayerArgs args) : ElementwiseLayer(std::move(options), std::move(args)) {
  if (options_.max_value && options_.max_value->value < 0.0) {
    throw ValueError("max_value of a ReLU layer cannot be a negative value. Received: max_value=" +
                     json::format_double(options_.max_value->value));
  }
  if (options_.negative_slope.value < 0.0) {
    throw ValueError("negative_slope of a ReLU layer cannot be a negative value. Received: negative_slope=" +
                     json::format_double(options_.negative_slope.value));
  }
}

std::vector<Tensor> ReLU::call(CallArgs& args) {
  expect_inputs(args, 1);
  std::optional<float> max_value;
  if (options_.max_value) max_value = static_cast<float>(options_.max_value->value);
  return {activations::relu(args.inputs[0], static_cast<float>(options_.negative_slope.value), max_value,
                            static_cast<float>(options_.threshold.value))};
}

namespace {

// activations::relu's kernels on storage.
class ReluStep final : public InferenceStep {
 public:
  ReluStep(TensorSpec output, float negative_slope, std::optional<float> max_value, float threshold)
      : InferenceStep({std::move(output)}),
        negative_slope_(negative_slope),
        max_value_(max_value),
        threshold_(threshold),
        size_(shape_size(outputs()[0].shape)) {}

  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    ops::kernels::relu(reinterpret_cast<const float*>(inputs[0]), reinterpret_cast<float*>(outputs[0]), size_,
                       negative_slope_, max_value_, threshold_);
  }

 private:
  float negative_slope_;
  std::optional<float> max_value_;
  float threshold_;
  std::int64_t size_;
};

}  // namespace

std::unique_ptr<InferenceStep> ReLU::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != 1 || inputs[0].dtype != DType::float32) return nullptr;
  std::optional<float> max_value;
  if (options_.max_value) max_value = static_cast<float>(options_.max_value->value);
  return std::make_unique<ReluStep>(inputs[0], static_cast<float>(options_.negative_slope.value), max_value,
                                    static_cast<float>(options_.threshold.value));
}

// ---- LeakyReLU ----

const config::Fields<LeakyReLUOptions>& LeakyReLU::fields() {
  using config::field;
  static const config::Fields<Options> list{
      field("negative_slope", &Options::negative_slope)
          .check(not_negative("The negative_slope value of a Leaky ReLU layer")),
      // Keras's deprecated name for negative_slope: read, never written.
      field("alpha", &Options::negative_slope).check(not_negative("The alpha value of a Leaky ReLU layer")).read_only(),
  };
  return list;
}

LeakyReLU::LeakyReLU(Options options, LayerArgs args) : ElementwiseLayer(std::move(options), std::move(args)) {
  if (options_.negative_slope.value < 0.0) {
    throw ValueError(
        "The negative_slope value of a Leaky ReLU layer cannot be None or negative value. Expected a "
        "float. Received: negative_slope=" +
        json::format_double(options_.negative_slope.value));
  }
}

std::vector<Tensor> LeakyReLU::call(CallArgs& args) {
  expect_inputs(args, 1);
  return {activations::leaky_relu(args.inputs[0], static_cast<float>(options_.negative_slope.value))};
}

// ---- ELU ----

const config::Fields<ELUOptions>& ELU::fields() {
  static const config::Fields<Options> list{config::field("alpha", &Options::alpha).check(config::finite())};
  return list;
}

boost::json::object ELU::get_config() const {
  // Keras's auto-config: the constructor's arguments (name, alpha) first, then the base keys.
  boost::json::object base = base_config();
  boost::json::object config;
  config.reserve(base.size() + 1);
  config["name"] = base["name"];
  fields().write_into(options_, config);
  for (const auto& [key, value] : base) {
    if (key != "name") config[key] = value;
  }
  return config;
}

std::vector<Tensor> ELU::call(CallArgs& args) {
  expect_inputs(args, 1);
  return {activations::elu(args.inputs[0], static_cast<float>(options_.alpha.value))};
}

// ---- Softmax ----

const config::Fields<SoftmaxOptions>& Softmax::fields() {
  static const config::Fields<Options> list{axis_field("axis", &Options::axis, &Options::axis_is_list)};
  return list;
}

Softmax::Softmax(Options options, LayerArgs args) : ElementwiseLayer(std::move(options), std::move(args)) {
  if (options_.axis.empty()) throw ValueError("Softmax needs at least one axis");
}

std::vector<Tensor> Softmax::call(CallArgs& args) {
  expect_inputs(args, 1);
  Tensor x = args.inputs[0];
  std::optional<Tensor> keep;
  if (const Tensor* mask = args.mask(0)) {
    if (mask->rank() > x.rank()) {
      fail("The `mask` must be broadcastable to `inputs` and must not have more dimensions. Received: inputs.shape=" +
           shape_repr(x.shape()) + ", mask.shape=" + shape_repr(mask->shape()));
    }
    for (std::int64_t k = 1; k <= mask->rank(); ++k) {
      const std::int64_t m = mask->shape()[static_cast<std::size_t>(mask->rank() - k)];
      const std::int64_t i = x.shape()[static_cast<std::size_t>(x.rank() - k)];
      if (m != 1 && m != i) {
        fail(
            "The `mask` must be broadcastable to `inputs`. Each mask dimension must be 1 or match the corresponding "
            "input dimension. Received: inputs.shape=" +
            shape_repr(x.shape()) + ", mask.shape=" + shape_repr(mask->shape()));
      }
    }
    const Tensor m = mask->dtype() == DType::bool_
                         ? mask->astype(DType::float32)
                         : mask->astype(DType::float32).map([](float v) { return v > 0.5f ? 1.0f : 0.0f; });
    keep = m;
    x = ops::where(m, x, Tensor::scalar(-1e9f));  // Keras's large negative number for float32
  }
  Tensor out;
  if (options_.axis.size() > 1) {
    out = (x - ops::logsumexp(x, ops::Axes(options_.axis), true)).exp();
  } else {
    out = activations::softmax(x, options_.axis.front());
  }
  if (keep) out = ops::where(*keep, out, Tensor::scalar(0.0f));
  return {out};
}

namespace {

class SoftmaxStep final : public InferenceStep {
 public:
  explicit SoftmaxStep(TensorSpec output) : InferenceStep({std::move(output)}) {}
  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    const Shape& shape = this->outputs()[0].shape;
    const std::int64_t n = shape.back();
    ops::kernels::softmax_rows(reinterpret_cast<const float*>(inputs[0]), reinterpret_cast<float*>(outputs[0]),
                               n ? shape_size(shape) / n : 0, n, false);
  }
};

}  // namespace

std::unique_ptr<InferenceStep> Softmax::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != 1 || inputs[0].dtype != DType::float32 || inputs[0].shape.empty()) return nullptr;
  const auto rank = static_cast<std::int64_t>(inputs[0].shape.size());
  if (options_.axis.size() != 1 || (options_.axis.front() != -1 && options_.axis.front() != rank - 1)) return nullptr;
  return std::make_unique<SoftmaxStep>(inputs[0]);
}

}  // namespace kplug::layers
