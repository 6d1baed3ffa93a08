#include "layers/ops_nodes/op_node.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"

namespace kplug::layers::op_nodes {
OpNode::OpNode(const OpSpec& spec, boost::json::object arguments, LayerArgs args)
    : Layer(std::move(args)), spec_(&spec), arguments_(std::move(arguments)) {
  mark_built_at_init();
}

boost::json::object OpNode::get_config() const {
  boost::json::object config{{"name", name()}};
  for (const auto& p : spec_->params) config[p.key] = argument(p.key);
  return config;
}

const boost::json::value& OpNode::argument(std::string_view key) const {
  if (const auto* v = arguments_.if_contains(key)) return *v;
  throw ValueError(where() + ": internal error: no argument '" + std::string(key) + "'");
}

std::string OpNode::where() const {
  return "Operation '" + name() + "' (" + spec_->module + "." + spec_->class_name + ")";
}

void OpNode::unsupported(const std::string& what) const { throw NotSupportedError(where() + ": " + what); }

std::optional<std::vector<std::int64_t>> OpNode::axes_argument(std::string_view key) const {
  const boost::json::value& v = argument(key);
  if (v.is_null()) return std::nullopt;
  std::vector<std::int64_t> axes;
  auto one = [&](const boost::json::value& item) {
    if (!item.is_int64() && !item.is_uint64()) {
      throw ValueError(where() + ": argument `" + std::string(key) + "` must be an int or a list of ints, got " +
                       json::excerpt(v));
    }
    axes.push_back(item.to_number<std::int64_t>());
  };
  if (const auto* list = v.if_array()) {
    for (const auto& item : *list) one(item);
  } else {
    one(v);
  }
  return axes;
}

std::optional<std::int64_t> OpNode::optional_int_argument(std::string_view key) const {
  const boost::json::value& v = argument(key);
  if (v.is_null()) return std::nullopt;
  return int_argument(key);
}

std::int64_t OpNode::int_argument(std::string_view key) const {
  const boost::json::value& v = argument(key);
  if (!v.is_int64() && !v.is_uint64()) {
    throw ValueError(where() + ": argument `" + std::string(key) + "` must be an int, got " + json::excerpt(v));
  }
  return v.to_number<std::int64_t>();
}

float OpNode::float_argument(std::string_view key) const {
  const boost::json::value& v = argument(key);
  if (!v.is_number()) {
    throw ValueError(where() + ": argument `" + std::string(key) + "` must be a number, got " + json::excerpt(v));
  }
  return static_cast<float>(v.to_number<double>());
}

bool OpNode::bool_argument(std::string_view key) const {
  const boost::json::value& v = argument(key);
  if (!v.is_bool()) {
    throw ValueError(where() + ": argument `" + std::string(key) + "` must be a bool, got " + json::excerpt(v));
  }
  return v.get_bool();
}

std::optional<DType> OpNode::dtype_argument(std::string_view key) const {
  const boost::json::value& v = argument(key);
  if (v.is_null()) return std::nullopt;
  if (!v.is_string()) {
    throw ValueError(where() + ": argument `" + std::string(key) + "` must be a dtype name, got " + json::excerpt(v));
  }
  try {
    return dtype_from_name(v.get_string());
  } catch (const ValueError& e) {
    throw NotSupportedError(where() + ": argument `" + std::string(key) + "`: " + e.what());
  }
}

std::vector<Tensor> OpNode::operands(std::vector<Tensor> tensors, const Constants& constants) const {
  const std::size_t total = tensors.size() + constants.size();
  if (spec_->arity != 0 && total != spec_->arity) {
    unsupported("expected " + std::to_string(spec_->arity) + " positional argument(s), got " + std::to_string(total) +
                " (" + std::to_string(tensors.size()) + " tensor(s), " + std::to_string(constants.size()) +
                " plain value(s))");
  }
  std::vector<std::optional<Tensor>> slots(total);
  for (const auto& [position, value] : constants) {
    if (position >= total) unsupported("a plain argument is out of place");
    slots[position] = value;
  }
  std::size_t next = 0;
  for (auto& slot : slots) {
    if (!slot) slot = std::move(tensors[next++]);
  }
  std::vector<Tensor> out;
  out.reserve(total);
  for (auto& slot : slots) out.push_back(std::move(*slot));
  return out;
}

std::vector<Tensor> OpNode::call(CallArgs& args) {
  return {spec_->fn(*this, operands(std::move(args.inputs), args.constants))};
}

std::vector<PartialShape> OpNode::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  // Plain values unknown here stand in as scalars: element-wise broadcasting gives the same shape.
  Constants scalars;
  for (std::size_t i = input_shapes.size(); spec_->arity != 0 && i < spec_->arity; ++i) {
    scalars.emplace_back(i, Tensor::scalar(0.0f));
  }
  return output_shape(input_shapes, scalars);
}

std::vector<PartialShape> OpNode::output_shape(const std::vector<PartialShape>& input_shapes,
                                               const Constants& constants) const {
  // As Layer's default (unknown dims taken as 1) with the node's own plain values, whose
  // shapes broadcast with the tensors' (a (4, 3) table added to a (None, 1, 3) input).
  std::vector<Tensor> dummies;
  for (const auto& s : input_shapes) {
    Shape concrete;
    for (const Dim& d : s.dims()) concrete.push_back(d.value_or(1));
    dummies.emplace_back(concrete, 0.0f);
  }
  const Tensor out = spec_->fn(*this, operands(std::move(dummies), constants));
  PartialShape shape = PartialShape::known(out.shape());
  const bool batch_unknown = !input_shapes.empty() && input_shapes[0].rank() > 0 && !input_shapes[0][0];
  if (batch_unknown && shape.rank() > 0 && out.dim(0) == 1) shape[0] = std::nullopt;
  return {shape};
}

std::pair<boost::json::object, LayerArgs> read_op_config(const boost::json::object& config,
                                                         DeserializationContext& context, const OpSpec& spec) {
  ConfigReader reader(config, context, spec.class_name);
  LayerArgs args;
  args.name = reader.optional_string("name");
  boost::json::object arguments;
  for (const auto& p : spec.params) {
    const boost::json::value* v = reader.raw(p.key);
    if (v) {
      arguments[p.key] = *v;
    } else if (p.required) {
      reader.fail(p.key, "is required by " + spec.class_name + " (an argument of its __init__)");
    } else {
      arguments[p.key] = p.default_value;
    }
  }
  reader.finish();
  return {std::move(arguments), std::move(args)};
}

const std::vector<OpSpec>& all_op_specs() {
  static const std::vector<OpSpec> specs = [] {
    std::vector<OpSpec> all = numpy_op_specs();
    const auto& nn = nn_op_specs();
    all.insert(all.end(), nn.begin(), nn.end());
    return all;
  }();
  return specs;
}

const OpSpec* find_op_spec(std::string_view class_name) {
  for (const auto& s : all_op_specs()) {
    if (s.class_name == class_name) return &s;
  }
  return nullptr;
}

const OpSpec& require_op_spec(std::string_view class_name) {
  if (const OpSpec* s = find_op_spec(class_name)) return *s;
  throw NotSupportedError("internal error: no op spec for " + std::string(class_name));
}

}  // namespace kplug::layers::op_nodes
