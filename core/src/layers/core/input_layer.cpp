#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"

#include <algorithm>
#include <functional>

namespace kplug::layers {

namespace {

using Options = InputLayer::Options;
using Reader = std::function<void(ConfigReader&, std::string_view, const boost::json::value&, Options&)>;

bool given(const boost::json::object& config, std::string_view key) {
  const boost::json::value* v = config.if_contains(key);
  return v && !v->is_null();
}

// A key written as `value` and refused (NotSupportedError naming it) when set.
config::Field<Options> refused_flag(std::string key, const char* what) {
  return config::custom_field<Options>(
      std::move(key),
      [what](ConfigReader& r, std::string_view k, const boost::json::value& v, Options&) {
        if (r.as_boolean(k, v)) throw NotSupportedError(r.context().path_of(k) + ": " + what + " are not supported");
      },
      [](const Options&) { return boost::json::value(false); }, false);
}

// A shape key, read into batch_shape when not null: `with_batch` adds the batch dim
// (`shape` with `batch_size`).
Reader shape_reader(bool with_batch) {
  return [with_batch](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& o) {
    if (v.is_null()) return;
    PartialShape s = PartialShape::from_json(v, r.context().path_of(k));
    if (!with_batch) {
      o.batch_shape = std::move(s);
      return;
    }
    const auto batch_size = r.optional_integer("batch_size");
    std::vector<Dim> dims{batch_size ? Dim(*batch_size) : Dim()};
    dims.insert(dims.end(), s.dims().begin(), s.dims().end());
    o.batch_shape = PartialShape(std::move(dims));
  };
}

void ignore(ConfigReader&, std::string_view, const boost::json::value&, Options&) {}

void read_dtype(ConfigReader& r, std::string_view k, const boost::json::value& v, Options& o) {
  static constexpr std::string_view kDtypes[] = {"float32", "int32", "int64", "int16", "int8", "uint8", "bool"};
  o.dtype = r.as_string(k, v);
  if (std::find(std::begin(kDtypes), std::end(kDtypes), o.dtype) == std::end(kDtypes)) {
    throw NotSupportedError(r.context().path_of(k) + ": input dtype '" + o.dtype +
                            "' is not supported (float32, or integer/bool inputs read as float32)");
  }
}

}  // namespace

// Keras's get_config order; the legacy keys `shape` (with `batch_size`) and
// `batch_input_shape` come first, so that `batch_shape` wins when several are given.
const config::Fields<Options>& InputLayer::fields() {
  const auto write_shape = [](const Options& o) { return o.batch_shape.to_json(); };
  const auto read_batch_size = [](ConfigReader& r, std::string_view k, const boost::json::value& v, Options&) {
    if (!v.is_null()) r.as_integer(k, v);  // used by `shape`
  };
  static const config::Fields<Options> list{
      config::custom_field<Options>("batch_size", read_batch_size, {}).read_only(),
      config::custom_field<Options>("shape", shape_reader(true), {}).read_only(),
      config::custom_field<Options>("batch_input_shape", shape_reader(false), {}).read_only(),
      config::custom_field<Options>("batch_shape", shape_reader(false), write_shape),
      config::custom_field<Options>("dtype", read_dtype, [](const Options& o) { return boost::json::value(o.dtype); })
          .null_is_default(),
      refused_flag("sparse", "sparse inputs"),
      refused_flag("ragged", "ragged inputs"),
      // Read into LayerArgs by from_config; its place here, its value from the layer.
      config::custom_field<Options>("name", ignore, [](const Options&) { return boost::json::value(nullptr); }),
      refused_flag("optional", "optional inputs"),
  };
  return list;
}

std::shared_ptr<InputLayer> InputLayer::from_config(const boost::json::object& config,
                                                    DeserializationContext& context) {
  ConfigReader reader(config, context, keras_class_name_of());
  LayerArgs args;
  args.name = reader.optional_string("name");
  Options options;
  fields().read_into(reader, options);
  reader.finish();
  if (!given(config, "batch_shape") && !given(config, "batch_input_shape") && !given(config, "shape")) {
    reader.fail("batch_shape", "an InputLayer needs `batch_shape` (or `shape`)");
  }
  return std::make_shared<InputLayer>(std::move(options), std::move(args));
}

boost::json::object InputLayer::get_config() const {
  boost::json::object config = fields().write(options_);
  config["name"] = name();
  return config;
}

InputLayer::InputLayer(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  mark_built_at_init();
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
