// Keras's Merge base (keras/src/layers/merging/base_merge.py).
#include "kplug/errors.hpp"
#include "kplug/layers/merging.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/normalization.hpp"

#include <algorithm>

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

}  // namespace

void Merge::build(const std::vector<PartialShape>& input_shapes) {
  if (input_shapes.empty()) {
    fail("A merge layer should be called on a list of at least 1 input. Got 0 inputs.");
  }
  (void)compute_output_shape(input_shapes);
}

std::vector<PartialShape> Merge::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  if (input_shapes.empty()) fail("A merge layer should be called on a list of at least 1 input. Got 0 inputs.");
  std::set<std::int64_t> batch_sizes;
  for (const auto& s : input_shapes) {
    if (s.rank() == 0) fail("merge inputs need a batch dimension");
    if (s[0]) batch_sizes.insert(*s[0]);
  }
  if (batch_sizes.size() > 1) {
    std::string shapes;
    for (const auto& s : input_shapes) shapes += (shapes.empty() ? "" : ", ") + s.to_string();
    fail("Cannot merge tensors with different batch sizes. Received tensors with shapes [" + shapes + "]");
  }
  std::vector<Dim> out(input_shapes[0].dims().begin() + 1, input_shapes[0].dims().end());
  for (std::size_t i = 1; i < input_shapes.size(); ++i) {
    out = elementwise_shape(out, std::vector<Dim>(input_shapes[i].dims().begin() + 1, input_shapes[i].dims().end()));
  }
  out.insert(out.begin(), batch_sizes.size() == 1 ? Dim(*batch_sizes.begin()) : Dim());
  return {PartialShape(std::move(out))};
}

std::vector<Tensor> Merge::call(CallArgs& args) {
  if (args.inputs.empty()) fail("A merge layer should be called on a list of at least 1 input. Got 0 inputs.");
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
  return {merge(args.inputs, masks)};
}

Tensor Merge::broadcast_mask(const Tensor& mask, const Shape& shape) {
  const Tensor m = mask.dtype() == DType::float32 ? mask : mask.astype(DType::float32);
  return ops::broadcast_to(m.expand_dims(m.rank()), shape);
}

std::vector<std::optional<Tensor>> Merge::compute_mask(const CallArgs& args, const std::vector<Tensor>& outputs) const {
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

std::shared_ptr<Add> Add::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "Add");
  LayerArgs args = LayerArgs::read(reader);
  reader.finish();
  return std::make_shared<Add>(std::move(args));
}

Tensor Add::merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>&) const {
  Tensor out = inputs[0];
  for (std::size_t i = 1; i < inputs.size(); ++i) out = out + inputs[i];
  return out;
}

// ---- Subtract, Multiply, Average, Maximum, Minimum ----

namespace {

template <class T>
std::shared_ptr<T> read_merge(const boost::json::object& config, DeserializationContext& context, const char* name) {
  ConfigReader reader(config, context, name);
  LayerArgs args = LayerArgs::read(reader);
  reader.finish();
  return std::make_shared<T>(std::move(args));
}

// Keras's Merge._apply_merge_op_and_or_mask: a masked position of one operand takes the
// other's value; the result is masked only where every operand is.
template <class Op>
Tensor merge_with_masks(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks, Op op) {
  Tensor output;
  std::optional<Tensor> output_mask;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Tensor x = inputs[i];
    std::optional<Tensor> mask;
    if (masks[i]) mask = Merge::broadcast_mask(*masks[i], x.shape());
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

}  // namespace

void Subtract::build(const std::vector<PartialShape>& input_shapes) {
  Merge::build(input_shapes);
  if (input_shapes.size() != 2) {
    std::string shapes;
    for (const auto& s : input_shapes) shapes += (shapes.empty() ? "" : ", ") + s.to_string();
    fail("A `Subtract` layer should be called on exactly 2 inputs. Received: input_shape=[" + shapes + "]");
  }
}

Tensor Subtract::merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>&) const {
  if (inputs.size() != 2) {
    fail("A `Subtract` layer should be called on exactly 2 inputs. Received " + std::to_string(inputs.size()) +
         " inputs");
  }
  return inputs[0] - inputs[1];
}

std::shared_ptr<Subtract> Subtract::from_config(const boost::json::object& config, DeserializationContext& context) {
  return read_merge<Subtract>(config, context, "Subtract");
}

Tensor Multiply::merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) const {
  const bool all_masked = std::all_of(masks.begin(), masks.end(), [](const auto& m) { return m.has_value(); });
  Tensor output;
  std::optional<Tensor> output_mask;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Tensor x = inputs[i];
    if (masks[i]) {
      const Tensor mask = broadcast_mask(*masks[i], x.shape());
      x = ops::where(mask, x, Tensor::scalar(1.0f));
      if (all_masked) output_mask = output_mask ? maximum(*output_mask, mask) : mask;
    }
    output = i == 0 ? x : output * x;
  }
  if (all_masked && output_mask) output = ops::where(*output_mask, output, Tensor::scalar(0.0f));
  return output;
}

std::shared_ptr<Multiply> Multiply::from_config(const boost::json::object& config, DeserializationContext& context) {
  return read_merge<Multiply>(config, context, "Multiply");
}

Tensor Average::merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>&) const {
  Tensor out = inputs[0];
  for (std::size_t i = 1; i < inputs.size(); ++i) out = out + inputs[i];
  return out / static_cast<float>(inputs.size());
}

std::shared_ptr<Average> Average::from_config(const boost::json::object& config, DeserializationContext& context) {
  return read_merge<Average>(config, context, "Average");
}

Tensor Maximum::merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) const {
  return merge_with_masks(inputs, masks, [](const Tensor& a, const Tensor& b) { return maximum(a, b); });
}

std::shared_ptr<Maximum> Maximum::from_config(const boost::json::object& config, DeserializationContext& context) {
  return read_merge<Maximum>(config, context, "Maximum");
}

Tensor Minimum::merge(const std::vector<Tensor>& inputs, const std::vector<std::optional<Tensor>>& masks) const {
  return merge_with_masks(inputs, masks, [](const Tensor& a, const Tensor& b) { return minimum(a, b); });
}

std::shared_ptr<Minimum> Minimum::from_config(const boost::json::object& config, DeserializationContext& context) {
  return read_merge<Minimum>(config, context, "Minimum");
}

}  // namespace kplug::layers
