// Identity (keras/src/layers/core/identity.py) and Rescaling
// (keras/src/layers/preprocessing/rescaling.py).
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/ops/kernels.hpp"

namespace kplug::layers {

// ---- Identity ----

const config::Fields<Identity::Options>& Identity::fields() {
  static const config::Fields<Options> none;
  return none;
}

Identity::Identity(Options options, LayerArgs args) : FieldsLayer(options, std::move(args)) { mark_built_at_init(); }

std::vector<PartialShape> Identity::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<Tensor> Identity::call(CallArgs& args) {
  expect_inputs(args, 1);
  return {std::move(args.inputs[0])};
}

std::unique_ptr<InferenceStep> Identity::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != 1) return nullptr;
  return std::make_unique<ViewStep>(inputs[0]);
}

// ---- Rescaling ----

namespace {

// A number or a rectangular nested list of numbers as a float32 tensor; the message names
// what is wrong, empty when fine.
std::string to_tensor(const boost::json::value& v, Tensor* out) {
  Shape shape;
  const boost::json::value* cur = &v;
  while (cur->is_array()) {
    const auto& a = cur->get_array();
    shape.push_back(static_cast<std::int64_t>(a.size()));
    if (a.empty()) break;
    cur = &a[0];
  }
  std::vector<float> values;
  std::string error;
  auto walk = [&](auto&& self, const boost::json::value& x, std::size_t depth) -> void {
    if (!error.empty()) return;
    if (depth == shape.size()) {
      if (!x.is_number()) {
        error = "expected a number or a list of numbers, got " + json::excerpt(x);
        return;
      }
      values.push_back(static_cast<float>(x.to_number<double>()));
      return;
    }
    const auto* a = x.if_array();
    if (!a || static_cast<std::int64_t>(a->size()) != shape[depth]) {
      error = "expected a rectangular (nested) list of numbers, got " + json::excerpt(v);
      return;
    }
    for (const auto& item : *a) self(self, item, depth + 1);
  };
  walk(walk, v, 0);
  if (error.empty() && out) *out = Tensor(shape, std::move(values));
  return error;
}

config::Field<Rescaling::Options> number_or_list(std::string key, boost::json::value Rescaling::Options::*member) {
  return config::custom_field<Rescaling::Options>(
      std::move(key),
      [member](ConfigReader& r, std::string_view k, const boost::json::value& v, Rescaling::Options& o) {
        if (std::string message = to_tensor(v, nullptr); !message.empty()) r.fail(k, message);
        o.*member = v;
      },
      [member](const Rescaling::Options& o) { return o.*member; }, false);
}

}  // namespace

const config::Fields<Rescaling::Options>& Rescaling::fields() {
  static const config::Fields<Options> list{number_or_list("scale", &Options::scale).required(),
                                            number_or_list("offset", &Options::offset)};
  return list;
}

Rescaling::Rescaling(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  if (std::string message = to_tensor(options_.scale, &scale_); !message.empty()) {
    throw ValueError("Rescaling scale: " + message);
  }
  if (std::string message = to_tensor(options_.offset, &offset_); !message.empty()) {
    throw ValueError("Rescaling offset: " + message);
  }
}

std::vector<PartialShape> Rescaling::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

namespace {

// x * scale, then + offset, each broadcast as call()'s tensor ops broadcast them.
class RescalingStep final : public InferenceStep {
 public:
  RescalingStep(TensorSpec output, Tensor scale, Tensor offset)
      : InferenceStep({output}),
        scale_(std::move(scale)),
        offset_(std::move(offset)),
        scale_plan_(ops::detail::plan_broadcast(output.shape, scale_.shape())),
        offset_plan_(ops::detail::plan_broadcast(output.shape, offset_.shape())) {}
  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    auto* out = reinterpret_cast<float*>(outputs[0]);
    ops::kernels::binary(reinterpret_cast<const float*>(inputs[0]), scale_.data(), out, scale_plan_,
                         ops::kernels::BinaryOp::multiply);
    ops::kernels::binary(out, offset_.data(), out, offset_plan_, ops::kernels::BinaryOp::add);
  }

 private:
  Tensor scale_, offset_;
  ops::detail::BroadcastPlan scale_plan_, offset_plan_;
};

}  // namespace

std::unique_ptr<InferenceStep> Rescaling::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != 1 || inputs[0].dtype != DType::float32) return nullptr;
  const Shape& x = inputs[0].shape;
  for (const Tensor* t : {&scale_, &offset_}) {
    if (t->dtype() != DType::float32 || t->shape().size() > x.size()) return nullptr;
    for (std::size_t k = 1; k <= t->shape().size(); ++k) {
      const std::int64_t d = t->shape()[t->shape().size() - k];
      if (d != 1 && d != x[x.size() - k]) return nullptr;  // it would grow (or not fit) the input
    }
  }
  return std::make_unique<RescalingStep>(inputs[0], scale_, offset_);
}

std::vector<Tensor> Rescaling::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  const Tensor in = x.dtype() == DType::float32 ? x : x.astype(DType::float32);
  return {in * scale_ + offset_};
}

}  // namespace kplug::layers
