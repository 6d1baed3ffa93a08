// Concatenate (keras/src/layers/merging/concatenate.py).
#include "kplug/errors.hpp"
#include "kplug/layers/merging.hpp"
#include "kplug/ops/kernels.hpp"
#include "kplug/ops/reduce.hpp"
#include "kplug/ops/shape.hpp"

#include <set>

namespace kplug::layers {

namespace {

std::string shapes_repr(const std::vector<PartialShape>& shapes) {
  std::string out;
  for (const auto& s : shapes) out += (out.empty() ? "" : ", ") + s.to_string();
  return "[" + out + "]";
}

}  // namespace

const config::Fields<ConcatenateOptions>& Concatenate::fields() {
  static const config::Fields<Options> list{config::field("axis", &Options::axis, -1)};
  return list;
}

void Concatenate::build(const std::vector<PartialShape>& input_shapes) {
  if (input_shapes.empty()) {
    fail("A `Concatenate` layer should be called on a list of at least 1 input. Received: input_shape=[]");
  }
  const std::string message =
      "A `Concatenate` layer requires inputs with matching shapes except for the "
      "concatenation axis. Received: input_shape=" +
      shapes_repr(input_shapes);
  const std::size_t rank = input_shapes[0].rank();
  for (const auto& s : input_shapes) {
    if (s.rank() != rank) fail(message);
  }
  const std::int64_t r = static_cast<std::int64_t>(rank);
  if (options_.axis >= r || options_.axis < -r) {
    fail("axis " + std::to_string(options_.axis) + " is out of range for inputs of rank " + std::to_string(r));
  }
  const auto axis = static_cast<std::size_t>(options_.axis < 0 ? options_.axis + r : options_.axis);
  for (std::size_t a = 0; a < rank; ++a) {
    if (a == axis) continue;
    std::set<std::int64_t> dims;
    for (const auto& s : input_shapes) {
      if (s[a]) dims.insert(*s[a]);
    }
    if (dims.size() > 1) fail(message);
  }
}

std::vector<PartialShape> Concatenate::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  if (input_shapes.empty()) fail("A `Concatenate` layer should be called on a list of inputs.");
  PartialShape out = input_shapes[0];
  const auto r = static_cast<std::int64_t>(out.rank());
  if (options_.axis >= r || options_.axis < -r) {
    fail("axis " + std::to_string(options_.axis) + " is out of range for inputs of rank " + std::to_string(r));
  }
  const auto axis = static_cast<std::size_t>(options_.axis < 0 ? options_.axis + r : options_.axis);
  for (std::size_t i = 1; i < input_shapes.size(); ++i) {
    const PartialShape& s = input_shapes[i];
    if (s.rank() != out.rank()) fail("requires inputs of one rank, got " + shapes_repr(input_shapes));
    if (!out[axis] || !s[axis]) {
      out[axis] = std::nullopt;
      break;
    }
    out[axis] = *out[axis] + *s[axis];
  }
  return {out};
}

std::vector<Tensor> Concatenate::call(CallArgs& args) {
  if (args.inputs.empty()) fail("A `Concatenate` layer should be called on a list of at least 1 input.");
  return {merge(args.inputs, {})};
}

Tensor Concatenate::merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>&) const {
  return ops::concatenate(inputs, options_.axis);
}

namespace {

class ConcatenateStep final : public InferenceStep {
 public:
  ConcatenateStep(TensorSpec output, std::vector<std::size_t> chunks, std::int64_t outer)
      : InferenceStep({std::move(output)}), chunks_(std::move(chunks)), outer_(outer) {}

  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    ops::kernels::concatenate(inputs, chunks_, outer_, outputs[0]);
  }

 private:
  std::vector<std::size_t> chunks_;
  std::int64_t outer_;
};

}  // namespace

std::unique_ptr<InferenceStep> Concatenate::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (inputs.empty()) return nullptr;
  const TensorSpec& first = inputs.front();
  const auto rank = static_cast<std::int64_t>(first.shape.size());
  const std::int64_t axis = options_.axis < 0 ? options_.axis + rank : options_.axis;
  if (rank == 0 || axis < 0 || axis >= rank) return nullptr;
  const auto a = static_cast<std::size_t>(axis);
  TensorSpec out = first;
  out.shape[a] = 0;
  for (const TensorSpec& t : inputs) {
    if (t.dtype != first.dtype || t.shape.size() != first.shape.size()) return nullptr;
    for (std::size_t d = 0; d < t.shape.size(); ++d) {
      if (d != a && t.shape[d] != first.shape[d]) return nullptr;  // broadcast or mismatch: the call handles it
    }
    out.shape[a] += t.shape[a];
  }
  std::int64_t outer = 1;
  for (std::size_t d = 0; d < a; ++d) outer *= first.shape[d];
  if (outer == 0 || out.nbytes() == 0) return nullptr;
  std::vector<std::size_t> chunks;
  for (const TensorSpec& t : inputs) chunks.push_back(t.nbytes() / static_cast<std::size_t>(outer));
  return std::make_unique<ConcatenateStep>(std::move(out), std::move(chunks), outer);
}

std::vector<std::optional<Tensor>> Concatenate::compute_mask(const CallArgs& args,
                                                             const std::vector<Tensor>& outputs) const {
  std::vector<std::optional<Tensor>> out(outputs.size());
  if (!args.has_any_mask()) return out;
  std::vector<Tensor> masks;
  for (std::size_t i = 0; i < args.inputs.size(); ++i) {
    const Tensor& x = args.inputs[i];
    const Tensor* m = args.mask(i);
    if (!m) {
      masks.emplace_back(x.shape(), 1.0f);
    } else if (m->rank() < x.rank()) {
      masks.push_back(broadcast_merge_mask(*m, x.shape()));
    } else {
      masks.push_back(m->dtype() == DType::float32 ? *m : m->astype(DType::float32));
    }
  }
  const Tensor any = ops::max(ops::concatenate(masks, options_.axis), -1, false);
  for (auto& o : out) o = any;
  return out;
}

}  // namespace kplug::layers
