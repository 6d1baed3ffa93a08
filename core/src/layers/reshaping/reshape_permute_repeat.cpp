// Reshape, Permute, RepeatVector (keras/src/layers/reshaping/).
#include "kplug/errors.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/kernels.hpp"
#include "kplug/ops/shape.hpp"

#include <algorithm>

namespace kplug::layers {

namespace {

std::string list_repr(const std::vector<std::int64_t>& v) {
  std::string out;
  for (std::int64_t x : v) out += (out.empty() ? "" : ", ") + std::to_string(x);
  return "(" + out + (v.size() == 1 ? ",)" : ")");
}

// Keras's validate_reshape_shape: positive dims and at most one -1.
std::string check_target_shape(const std::vector<std::int64_t>& shape) {
  if (std::count(shape.begin(), shape.end(), -1) > 1) {
    return "There must be at most one unknown dimension (-1) in target_shape. Received: target_shape=" +
           list_repr(shape);
  }
  for (std::int64_t d : shape) {
    if (d == 0 || d < -1) {
      return "Invalid value for target_shape: every dimension must be positive or -1. Received: target_shape=" +
             list_repr(shape);
    }
  }
  return {};
}

}  // namespace

// ---- Reshape ----

const config::Fields<ReshapeOptions>& Reshape::fields() {
  static const config::Fields<Options> list{
      config::field("target_shape", &Options::target_shape).required().check(check_target_shape)};
  return list;
}

Reshape::Reshape(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  if (auto message = check_target_shape(options_.target_shape); !message.empty()) throw ValueError(message);
  mark_built_at_init();
}

std::vector<PartialShape> Reshape::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() == 0) fail("needs an input with a batch axis");
  std::vector<Dim> out{in[0]};
  bool all_known = true;
  std::int64_t size = 1;
  for (std::size_t i = 1; i < in.rank(); ++i) {
    if (!in[i])
      all_known = false;
    else
      size *= *in[i];
  }
  std::int64_t target = 1;
  for (std::int64_t d : options_.target_shape) {
    if (d != -1) target *= d;
  }
  const bool has_unknown = std::count(options_.target_shape.begin(), options_.target_shape.end(), -1) > 0;
  if (all_known) {
    if ((has_unknown && (target == 0 || size % target != 0)) || (!has_unknown && size != target)) {
      fail("The total size of the tensor must be unchanged. Received: input_shape=" + in.to_string() +
           ", target_shape=" + list_repr(options_.target_shape));
    }
  }
  for (std::int64_t d : options_.target_shape) {
    if (d == -1)
      out.push_back(all_known ? Dim(size / target) : Dim());
    else
      out.emplace_back(d);
  }
  return {PartialShape(std::move(out))};
}

std::vector<Tensor> Reshape::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  const PartialShape out = compute_output_shape({PartialShape::known(x.shape())})[0];
  Shape shape;
  for (std::size_t i = 0; i < out.rank(); ++i) shape.push_back(*out[i]);
  return {x.reshape(std::move(shape))};
}

// The input's bytes under the target shape; sizes that do not match run call(), which names them.
std::unique_ptr<InferenceStep> Reshape::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != 1 || inputs[0].shape.empty()) return nullptr;
  const Shape& in = inputs[0].shape;
  std::int64_t size = 1;
  for (std::size_t i = 1; i < in.size(); ++i) size *= in[i];
  std::int64_t known = 1;
  bool inferred = false;
  for (std::int64_t d : options_.target_shape) {
    if (d == -1)
      inferred = true;
    else
      known *= d;
  }
  if (inferred ? (known == 0 || size % known != 0) : size != known) return nullptr;
  Shape out{in[0]};
  for (std::int64_t d : options_.target_shape) out.push_back(d == -1 ? size / known : d);
  return std::make_unique<ViewStep>(TensorSpec{std::move(out), inputs[0].dtype});
}

// ---- Permute ----

namespace {

std::string check_permutation(const std::vector<std::int64_t>& dims) {
  std::vector<std::int64_t> sorted = dims;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i] != static_cast<std::int64_t>(i) + 1) {
      return "Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be "
             "consecutive and start from 1. Received dims=" +
             list_repr(dims);
    }
  }
  return {};
}

}  // namespace

const config::Fields<PermuteOptions>& Permute::fields() {
  static const config::Fields<Options> list{config::field("dims", &Options::dims).required().check(check_permutation)};
  return list;
}

Permute::Permute(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  if (auto message = check_permutation(options_.dims); !message.empty()) throw ValueError(message);
}

std::vector<PartialShape> Permute::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() != options_.dims.size() + 1) {
    fail("expects inputs of rank " + std::to_string(options_.dims.size() + 1) +
         " for dims=" + list_repr(options_.dims) + ", got input shape " + in.to_string());
  }
  std::vector<Dim> out{in[0]};
  for (std::int64_t d : options_.dims) out.push_back(in[static_cast<std::size_t>(d)]);
  return {PartialShape(std::move(out))};
}

std::vector<Tensor> Permute::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  if (x.rank() != static_cast<std::int64_t>(options_.dims.size()) + 1) {
    fail("expects inputs of rank " + std::to_string(options_.dims.size() + 1) + ", got shape " + shape_repr(x.shape()));
  }
  std::vector<std::int64_t> perm{0};
  perm.insert(perm.end(), options_.dims.begin(), options_.dims.end());
  return {ops::permute(x, perm)};
}

// ---- RepeatVector ----

const config::Fields<RepeatVectorOptions>& RepeatVector::fields() {
  static const config::Fields<Options> list{config::field("n", &Options::n).required().check(config::at_least(0))};
  return list;
}

RepeatVector::RepeatVector(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  if (options_.n < 0) throw ValueError("RepeatVector needs n >= 0, got " + std::to_string(options_.n));
}

std::vector<PartialShape> RepeatVector::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() != 2) fail("expects inputs of rank 2 (batch, features), got " + in.to_string());
  return {PartialShape(std::vector<Dim>{in[0], Dim(options_.n), in[1]})};
}

std::vector<Tensor> RepeatVector::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  if (x.rank() != 2) fail("expects inputs of rank 2 (batch, features), got shape " + shape_repr(x.shape()));
  return {ops::broadcast_to(x.expand_dims(1), {x.shape()[0], options_.n, x.shape()[1]})};
}

namespace {

// Each row of (batch, features) n times: a nearest upsampling of (batch, 1, features) along axis 1.
class RepeatVectorStep final : public InferenceStep {
 public:
  RepeatVectorStep(std::int64_t batch, std::int64_t n, std::int64_t features)
      : InferenceStep({TensorSpec{Shape{batch, n, features}, DType::float32}}),
        input_{batch, 1, features},
        factors_{1, n, 1} {}
  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    ops::kernels::upsample_nearest(reinterpret_cast<const float*>(inputs[0]), input_, factors_,
                                   reinterpret_cast<float*>(outputs[0]));
  }

 private:
  Shape input_, factors_;
};

}  // namespace

std::unique_ptr<InferenceStep> RepeatVector::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != 1 || inputs[0].dtype != DType::float32 || inputs[0].shape.size() != 2) return nullptr;
  return std::make_unique<RepeatVectorStep>(inputs[0].shape[0], options_.n, inputs[0].shape[1]);
}

}  // namespace kplug::layers
