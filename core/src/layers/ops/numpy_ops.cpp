#include "kplug/layers/numpy_ops.hpp"
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/ops.hpp"

namespace kplug::layers {

namespace {

LayerArgs read_name(ConfigReader& reader) {
  LayerArgs args;
  args.name = reader.optional_string("name");
  return args;
}

}  // namespace

// ---- NotEqual ----

NotEqual::NotEqual(LayerArgs args) : Layer(std::move(args)) { mark_built_at_init(); }

std::shared_ptr<NotEqual> NotEqual::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "NotEqual");
  LayerArgs args = read_name(reader);
  reader.finish();
  return std::make_shared<NotEqual>(std::move(args));
}

boost::json::object NotEqual::get_config() const { return {{"name", name()}}; }

std::vector<PartialShape> NotEqual::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<Tensor> NotEqual::call(CallArgs& args) {
  if (args.inputs.size() != 1 || args.constants.size() != 1) {
    throw NotSupportedError("Operation '" + name() + "' (NotEqual): kplug compares one tensor with one number, got " +
                            std::to_string(args.inputs.size()) + " tensor(s) and " +
                            std::to_string(args.constants.size()) + " constant(s)");
  }
  const boost::json::value& c = args.constants[0].second;
  if (!c.is_number() || c.is_bool()) {
    throw NotSupportedError("Operation '" + name() + "' (NotEqual): expected a number to compare with, got " +
                            json::excerpt(c));
  }
  return {ops::not_equal(args.inputs[0], c.to_number<double>())};
}

// ---- Any ----

Any::Any(std::optional<std::int64_t> axis, bool keepdims, LayerArgs args)
    : Layer(std::move(args)), axis_(axis), keepdims_(keepdims) {
  mark_built_at_init();
}

std::shared_ptr<Any> Any::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "Any");
  LayerArgs args = read_name(reader);
  std::optional<std::int64_t> axis = reader.optional_integer("axis");
  const bool keepdims = reader.boolean("keepdims", false);
  reader.finish();
  if (!axis) throw NotSupportedError(context.path_of("axis") + ": Any over every axis is not supported");
  return std::make_shared<Any>(axis, keepdims, std::move(args));
}

boost::json::object Any::get_config() const {
  boost::json::object config{{"name", name()}};
  config["axis"] = axis_ ? boost::json::value(*axis_) : boost::json::value(nullptr);
  config["keepdims"] = keepdims_;
  return config;
}

std::vector<PartialShape> Any::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  const auto rank = static_cast<std::int64_t>(in.rank());
  std::int64_t a = *axis_ < 0 ? *axis_ + rank : *axis_;
  if (a < 0 || a >= rank) fail("axis " + std::to_string(*axis_) + " is out of range for shape " + in.to_string());
  std::vector<Dim> dims = in.dims();
  if (keepdims_) {
    dims[static_cast<std::size_t>(a)] = 1;
  } else {
    dims.erase(dims.begin() + a);
  }
  return {PartialShape(std::move(dims))};
}

std::vector<Tensor> Any::call(CallArgs& args) {
  expect_inputs(args, 1);
  return {ops::any(args.inputs[0], *axis_, keepdims_)};
}

}  // namespace kplug::layers
