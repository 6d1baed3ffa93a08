#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"

#include <algorithm>

namespace kplug::layers {

InputLayer::InputLayer(Options options, LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {
  mark_built_at_init();
}

boost::json::object InputLayer::get_config() const {
  boost::json::object config;
  config.reserve(6);
  config["batch_shape"] = options_.batch_shape.to_json();
  config["dtype"] = options_.dtype;
  config["sparse"] = false;
  config["ragged"] = false;
  config["name"] = name();
  config["optional"] = options_.optional;
  return config;
}

std::shared_ptr<InputLayer> InputLayer::from_config(const boost::json::object& config,
                                                    DeserializationContext& context) {
  ConfigReader reader(config, context, "InputLayer");
  Options options;
  const boost::json::value* batch_shape = reader.raw("batch_shape");
  const boost::json::value* legacy = reader.raw("batch_input_shape");
  const boost::json::value* shape = reader.raw("shape");
  const auto batch_size = reader.optional_integer("batch_size");
  if (batch_shape && !batch_shape->is_null()) {
    options.batch_shape = PartialShape::from_json(*batch_shape, context.path_of("batch_shape"));
  } else if (legacy && !legacy->is_null()) {
    options.batch_shape = PartialShape::from_json(*legacy, context.path_of("batch_input_shape"));
  } else if (shape && !shape->is_null()) {
    PartialShape s = PartialShape::from_json(*shape, context.path_of("shape"));
    std::vector<Dim> dims{batch_size ? Dim(*batch_size) : Dim()};
    dims.insert(dims.end(), s.dims().begin(), s.dims().end());
    options.batch_shape = PartialShape(std::move(dims));
  } else {
    reader.fail("batch_shape", "an InputLayer needs `batch_shape` (or `shape`)");
  }
  const auto dtype = reader.optional_string("dtype");
  options.dtype = dtype.value_or("float32");
  static constexpr std::string_view kDtypes[] = {"float32", "int32", "int64", "int16", "int8", "uint8", "bool"};
  if (std::find(std::begin(kDtypes), std::end(kDtypes), options.dtype) == std::end(kDtypes)) {
    throw NotSupportedError(context.path_of("dtype") + ": input dtype '" + options.dtype +
                            "' is not supported (float32, or integer/bool inputs read as float32)");
  }
  for (std::string_view key : {"sparse", "ragged"}) {
    if (reader.boolean(key, false)) {
      throw NotSupportedError(context.path_of(key) + ": " + std::string(key) + " inputs are not supported");
    }
  }
  options.optional = reader.boolean("optional", false);
  if (options.optional) {
    throw NotSupportedError(context.path_of("optional") + ": optional inputs are not supported");
  }
  LayerArgs args;
  args.name = reader.optional_string("name");
  reader.finish();
  return std::make_shared<InputLayer>(std::move(options), std::move(args));
}

std::vector<PartialShape> InputLayer::compute_output_shape(const std::vector<PartialShape>&) const {
  return {options_.batch_shape};
}

std::vector<Tensor> InputLayer::call(CallArgs& args) {
  expect_inputs(args, 1);
  if (!options_.batch_shape.compatible_with(args.inputs[0].shape())) {
    fail("expects inputs of shape " + options_.batch_shape.to_string() + ", got " + shape_repr(args.inputs[0].shape()));
  }
  return {std::move(args.inputs[0])};
}

}  // namespace kplug::layers
