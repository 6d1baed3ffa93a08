// Keras's Merge base (keras/src/layers/merging/base_merge.py) and the element-wise merges:
// Add, Subtract, Multiply, Average, Maximum, Minimum (keras/src/layers/merging/).
#include "kplug/errors.hpp"
#include "kplug/layers/merging.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/kernels.hpp"
#include "kplug/ops/normalization.hpp"

#include <algorithm>
#include <cstring>
#include <set>

namespace kplug::layers {

namespace {

// Keras's _compute_elemwise_op_output_shape: right-aligned, 1 broadcasts, None stays None.
std::vector<Dim> elementwise_shape(const std::vector<Dim>& a, const std::vector<Dim>& b) {
  if (a.size() < b.size()) return elementwise_shape(b, a);
  if (b.empty()) return a;
  std::vector<Dim> out(a.begin(), a.end() - static_cast<std::ptrdiff_t>(b.size()));
  for (std::size_t k = 0; k < b.size(); ++k) {
    const Dim& i = a[a.size() - b.size() + k];
    const Dim& j = b[k];
    if (!i || !j)
      out.emplace_back(std::nullopt);
    else if (*i == 1)
      out.push_back(j);
    else if (*j == 1)
      out.push_back(i);
    else if (*i != *j) {
      throw ValueError("Inputs have incompatible shapes. Received shapes " + PartialShape(a).to_string() + " and " +
                       PartialShape(b).to_string());
    } else
      out.push_back(i);
  }
  return out;
}

[[noreturn]] void fail(const Layer& layer, const std::string& message) {
  throw ValueError("Layer '" + layer.name() + "' " + message);
}

}  // namespace

PartialShape merge_output_shape(const Layer& layer, const std::vector<PartialShape>& input_shapes) {
  if (input_shapes.empty()) fail(layer, "A merge layer should be called on a list of at least 1 input. Got 0 inputs.");
  std::set<std::int64_t> batch_sizes;
  for (const auto& s : input_shapes) {
    if (s.rank() == 0) fail(layer, "merge inputs need a batch dimension");
    if (s[0]) batch_sizes.insert(*s[0]);
  }
  if (batch_sizes.size() > 1) {
    std::string shapes;
    for (const auto& s : input_shapes) shapes += (shapes.empty() ? "" : ", ") + s.to_string();
    fail(layer, "Cannot merge tensors with different batch sizes. Received tensors with shapes [" + shapes + "]");
  }
  std::vector<Dim> out(input_shapes[0].dims().begin() + 1, input_shapes[0].dims().end());
  for (std::size_t i = 1; i < input_shapes.size(); ++i) {
    out = elementwise_shape(out, std::vector<Dim>(input_shapes[i].dims().begin() + 1, input_shapes[i].dims().end()));
  }
  out.insert(out.begin(), batch_sizes.size() == 1 ? Dim(*batch_sizes.begin()) : Dim());
  return PartialShape(std::move(out));
}

std::vector<std::optional<Tensor>> expand_merge_inputs(const Layer& layer, CallArgs& args) {
  if (args.inputs.empty()) fail(layer, "A merge layer should be called on a list of at least 1 input. Got 0 inputs.");
  std::int64_t max_rank = 0;
  for (const Tensor& x : args.inputs) max_rank = std::max(max_rank, x.rank());
  std::vector<std::optional<Tensor>> masks(args.inputs.size());
  for (std::size_t i = 0; i < args.inputs.size(); ++i) {
    Tensor& x = args.inputs[i];
    // Keras expands lower-rank inputs at axis 1 (after the batch axis) before merging; the
    // expanded tensor carries no mask.
    if (x.rank() < max_rank && x.rank() > 0) {
      Shape s(static_cast<std::size_t>(max_rank), 1);
      s[0] = x.shape()[0];
      for (std::int64_t k = 1; k < x.rank(); ++k) {
        s[static_cast<std::size_t>(k + max_rank - x.rank())] = x.shape()[static_cast<std::size_t>(k)];
      }
      x = x.reshape(std::move(s));
    } else if (const Tensor* m = args.mask(i)) {
      masks[i] = *m;
    }
  }
  return masks;
}

Tensor broadcast_merge_mask(const Tensor& mask, const Shape& shape) {
  const Tensor m = mask.dtype() == DType::float32 ? mask : mask.astype(DType::float32);
  return ops::broadcast_to(m.expand_dims(m.rank()), shape);
}

std::vector<std::optional<Tensor>> merge_output_masks(const CallArgs& args, const std::vector<Tensor>& outputs) {
  std::vector<std::optional<Tensor>> out(outputs.size());
  // Keras's Merge.compute_mask: none unless every input has a mask, then their logical OR.
  if (!args.has_any_mask()) return out;
  std::optional<Tensor> any;
  for (std::size_t i = 0; i < args.inputs.size(); ++i) {
    const Tensor* m = args.mask(i);
    if (!m) return out;
    const Tensor f = m->dtype() == DType::float32 ? *m : m->astype(DType::float32);
    any = any ? maximum(*any, f) : f;
  }
  for (auto& o : out) o = any;
  return out;
}

namespace {

// Maximum / Minimum (Keras's Merge._apply_merge_op_and_or_mask): a masked position of one
// operand takes the other's value; the result is masked only where every operand is.
template <class Op>
Tensor merge_with_masks(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks, Op op) {
  Tensor output;
  std::optional<Tensor> output_mask;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Tensor x = inputs[i];
    std::optional<Tensor> mask;
    if (masks[i]) mask = broadcast_merge_mask(*masks[i], x.shape());
    if (i == 0) {
      output = x;
      output_mask = mask;
      continue;
    }
    if (mask) x = ops::where(*mask, x, output);
    if (output_mask) output = ops::where(*output_mask, output, x);
    if (mask && output_mask)
      output_mask = maximum(*output_mask, *mask);
    else
      output_mask.reset();
    output = op(output, x);
  }
  return output;
}

// Multiply: masked positions count as 1, and as 0 where every input is masked (when all
// inputs carry masks).
Tensor multiply_with_masks(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) {
  const bool all_masked = std::all_of(masks.begin(), masks.end(), [](const auto& m) { return m.has_value(); });
  Tensor output;
  std::optional<Tensor> output_mask;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Tensor x = inputs[i];
    if (masks[i]) {
      const Tensor mask = broadcast_merge_mask(*masks[i], x.shape());
      x = ops::where(mask, x, Tensor::scalar(1.0f));
      if (all_masked) output_mask = output_mask ? maximum(*output_mask, mask) : mask;
    }
    output = i == 0 ? x : output * x;
  }
  if (all_masked && output_mask) output = ops::where(*output_mask, output, Tensor::scalar(0.0f));
  return output;
}

Tensor sum(const std::vector<Tensor>& inputs) {
  Tensor out = inputs[0];
  for (std::size_t i = 1; i < inputs.size(); ++i) out = out + inputs[i];
  return out;
}

}  // namespace

template <MergeOp Op>
const config::Fields<MergeOptions>& ElementwiseMerge<Op>::fields() {
  static const config::Fields<MergeOptions> none;
  return none;
}

template <MergeOp Op>
void ElementwiseMerge<Op>::build(const std::vector<PartialShape>& input_shapes) {
  (void)merge_output_shape(*this, input_shapes);
  if (Op == MergeOp::subtract && input_shapes.size() != 2) {
    std::string shapes;
    for (const auto& s : input_shapes) shapes += (shapes.empty() ? "" : ", ") + s.to_string();
    this->fail("A `Subtract` layer should be called on exactly 2 inputs. Received: input_shape=[" + shapes + "]");
  }
}

template <MergeOp Op>
Tensor ElementwiseMerge<Op>::merge(const std::vector<Tensor>& inputs,
                                   const std::vector<std::optional<Tensor>>& masks) const {
  switch (Op) {
    case MergeOp::add: return sum(inputs);
    case MergeOp::subtract:
      if (inputs.size() != 2) {
        this->fail("A `Subtract` layer should be called on exactly 2 inputs. Received " +
                   std::to_string(inputs.size()) + " inputs");
      }
      return inputs[0] - inputs[1];
    case MergeOp::multiply: return multiply_with_masks(inputs, masks);
    case MergeOp::average: return sum(inputs) / static_cast<float>(inputs.size());
    case MergeOp::maximum:
      return merge_with_masks(inputs, masks, [](const Tensor& a, const Tensor& b) { return maximum(a, b); });
    case MergeOp::minimum:
      return merge_with_masks(inputs, masks, [](const Tensor& a, const Tensor& b) { return minimum(a, b); });
  }
  return {};
}

namespace {

// The same-rank shape Keras's merge gives an input of lower rank (expand_merge_inputs): its
// batch axis, then 1s, then its other axes.
Shape expanded_merge_shape(const Shape& in, std::size_t rank) {
  if (in.empty() || in.size() >= rank) return in;
  Shape out(rank, 1);
  out[0] = in[0];
  for (std::size_t k = 1; k < in.size(); ++k) out[k + rank - in.size()] = in[k];
  return out;
}

// An element-wise merge of float32 inputs with broadcasting, folded in input order as merge()
// folds them (Average: the sum, then divided by the count): the first two inputs into the
// output, then each next one into it in place.
class MergeStep final : public InferenceStep {
 public:
  MergeStep(TensorSpec output, ops::kernels::BinaryOp op, std::vector<ops::detail::BroadcastPlan> plans,
            std::optional<float> divisor)
      : InferenceStep({std::move(output)}), op_(op), plans_(std::move(plans)), divisor_(divisor) {}
  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    auto* out = reinterpret_cast<float*>(outputs[0]);
    const auto in = [&](std::size_t i) { return reinterpret_cast<const float*>(inputs[i]); };
    if (inputs.size() == 1) {
      std::memcpy(out, in(0), InferenceStep::outputs()[0].nbytes());
    } else {
      ops::kernels::binary(in(0), in(1), out, plans_[0], op_);
      for (std::size_t i = 2; i < inputs.size(); ++i) ops::kernels::binary(out, in(i), out, plans_[i - 1], op_);
    }
    if (divisor_) ops::kernels::divide(out, *divisor_, out, shape_size(InferenceStep::outputs()[0].shape));
  }

 private:
  ops::kernels::BinaryOp op_;
  std::vector<ops::detail::BroadcastPlan> plans_;  // inputs 0 and 1, then the output and input i
  std::optional<float> divisor_;
};

constexpr ops::kernels::BinaryOp binary_op_of(MergeOp op) {
  using B = ops::kernels::BinaryOp;
  switch (op) {
    case MergeOp::add:
    case MergeOp::average: return B::add;
    case MergeOp::subtract: return B::subtract;
    case MergeOp::multiply: return B::multiply;
    case MergeOp::maximum: return B::maximum;
    case MergeOp::minimum: return B::minimum;
  }
  return B::add;
}

// The step for float32 inputs of one batch size (others, and calls with masks, run merge()).
std::unique_ptr<InferenceStep> plan_merge(MergeOp op, const std::vector<TensorSpec>& inputs) {
  if (inputs.empty() || (op == MergeOp::subtract && inputs.size() != 2)) return nullptr;
  std::size_t rank = 0;
  for (const TensorSpec& spec : inputs) {
    if (spec.dtype != DType::float32 || spec.shape.empty() || spec.shape[0] != inputs[0].shape[0]) return nullptr;
    rank = std::max(rank, spec.shape.size());
  }
  std::vector<Shape> shapes;
  for (const TensorSpec& spec : inputs) shapes.push_back(expanded_merge_shape(spec.shape, rank));
  Shape output = shapes[0];
  try {
    for (std::size_t i = 1; i < shapes.size(); ++i) output = ops::broadcast_shapes(output, shapes[i]);
  } catch (const ValueError&) {
    return nullptr;  // call() raises Keras's message for these shapes
  }
  std::vector<ops::detail::BroadcastPlan> plans;
  if (shapes.size() > 1) {
    plans.push_back(ops::detail::plan_broadcast(shapes[0], shapes[1]));
    // Folding into the output in place needs the first pair to have the output's shape already.
    if (plans[0].out_shape != output) return nullptr;
    for (std::size_t i = 2; i < shapes.size(); ++i) plans.push_back(ops::detail::plan_broadcast(output, shapes[i]));
  }
  std::optional<float> divisor;
  if (op == MergeOp::average) divisor = static_cast<float>(inputs.size());
  return std::make_unique<MergeStep>(TensorSpec{std::move(output), DType::float32}, binary_op_of(op), std::move(plans),
                                     divisor);
}

}  // namespace

template <MergeOp Op>
std::unique_ptr<InferenceStep> ElementwiseMerge<Op>::plan_inference(const std::vector<TensorSpec>& inputs) const {
  return plan_merge(Op, inputs);
}

template class ElementwiseMerge<MergeOp::add>;
template class ElementwiseMerge<MergeOp::subtract>;
template class ElementwiseMerge<MergeOp::multiply>;
template class ElementwiseMerge<MergeOp::average>;
template class ElementwiseMerge<MergeOp::maximum>;
template class ElementwiseMerge<MergeOp::minimum>;

}  // namespace kplug::layers
