// Keras's Merge base (keras/src/layers/merging/base_merge.py).
#include "kplug/errors.hpp"
#include "kplug/layers/merging.hpp"

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
    if (!i || !j) out.emplace_back(std::nullopt);
    else if (*i == 1) out.push_back(j);
    else if (*j == 1) out.push_back(i);
    else if (*i != *j) {
      throw ValueError("Inputs have incompatible shapes. Received shapes " + PartialShape(a).to_string() + " and " +
                       PartialShape(b).to_string());
    } else out.push_back(i);
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
  // Keras expands lower-rank inputs at axis 1 (after the batch axis) before merging.
  for (Tensor& x : args.inputs) {
    if (x.rank() < max_rank && x.rank() > 0) {
      Shape s(static_cast<std::size_t>(max_rank), 1);
      s[0] = x.shape()[0];
      for (std::int64_t k = 1; k < x.rank(); ++k) {
        s[static_cast<std::size_t>(k + max_rank - x.rank())] = x.shape()[static_cast<std::size_t>(k)];
      }
      x = x.reshape(std::move(s));
    }
  }
  return {merge(args.inputs)};
}

std::vector<std::optional<Tensor>> Merge::compute_mask(const CallArgs& args, const std::vector<Tensor>& outputs) const {
  std::vector<std::optional<Tensor>> out(outputs.size());
  std::optional<Tensor> all;
  for (std::size_t i = 0; i < args.inputs.size(); ++i) {
    const Tensor* m = args.mask(i);
    if (!m) continue;
    all = all ? minimum(*all, *m) : *m;  // logical AND of 0/1 masks
  }
  for (auto& o : out) o = all;
  return out;
}

Tensor Add::merge(const std::vector<Tensor>& inputs) const {
  Tensor out = inputs[0];
  for (std::size_t i = 1; i < inputs.size(); ++i) out = out + inputs[i];
  return out;
}

std::shared_ptr<Add> Add::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "Add");
  LayerArgs args = LayerArgs::read(reader);
  reader.finish();
  return std::make_shared<Add>(std::move(args));
}

}  // namespace kplug::layers
