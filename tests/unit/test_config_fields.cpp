// Declarative config fields: one list gives from_config and get_config, in list order,
// with defaults, checks, Keras's value forms and errors naming the key's JSON path.
#define BOOST_TEST_MODULE config_fields
#include <boost/test/unit_test.hpp>

#include "kplug/config_fields.hpp"
#include "kplug/errors.hpp"
#include "kplug/initializers.hpp"
#include "kplug/json.hpp"
#include "kplug/registry.hpp"
#include "kplug/serialization.hpp"

#include <memory>
#include <string>

using namespace kplug;

namespace {

// A Dense-like layer's arguments: the base layer arguments, then its own.
struct DenseArgs : config::LayerBaseOptions {
  std::int64_t units = 0;
  std::string activation = "linear";
  bool use_bias = true;
  std::shared_ptr<Initializer> kernel_initializer;
  PartialShape batch_shape;
  config::IntTuple<2> kernel_size = 1;
  std::vector<std::int64_t> axes;
  std::optional<Number> momentum;
};

const config::Fields<DenseArgs>& dense_fields() {
  static const config::Fields<DenseArgs> fields =
      config::layer_base_fields<DenseArgs>() +
      config::Fields<DenseArgs>{
          config::field("units", &DenseArgs::units).check(config::at_least(1)),
          config::field("activation", &DenseArgs::activation).check(config::one_of({"linear", "relu"})),
          config::field("use_bias", &DenseArgs::use_bias),
          config::field("kernel_initializer", &DenseArgs::kernel_initializer),
          config::field("batch_shape", &DenseArgs::batch_shape),
          config::field("kernel_size", &DenseArgs::kernel_size),
          config::field("axes", &DenseArgs::axes),
          config::field("momentum", &DenseArgs::momentum, Number::real(0.99)),
      };
  return fields;
}

DenseArgs read(const std::string& text) {
  DeserializeOptions options;
  DeserializationContext context(options);
  DeserializationContext::PathScope scope(context, "config");
  return dense_fields().read(json::parse(text).as_object(), context, "Dense");
}

template <class E>
std::string error_of(const std::string& text) {
  try {
    read(text);
  } catch (const E& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

BOOST_AUTO_TEST_CASE(one_list_reads_and_writes_in_keras_order) {
  const std::string text = json::write(json::parse(R"({
    "name": "dense_3", "trainable": false,
    "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
    "units": 8, "activation": "relu", "use_bias": false,
    "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                           "config": {"seed": 3, "input_axes": null, "output_axes": null}, "registered_name": null},
    "batch_shape": [null, 8], "kernel_size": [3, 5], "axes": [1, 2], "momentum": 0.5})"));
  const DenseArgs args = read(text);
  BOOST_TEST(args.name == "dense_3");
  BOOST_TEST(!args.trainable);
  BOOST_TEST(args.units == 8);
  BOOST_TEST((args.batch_shape == PartialShape{std::nullopt, 8}));
  BOOST_TEST((args.kernel_size == config::IntTuple<2>({3, 5})));
  BOOST_TEST(args.kernel_initializer != nullptr);
  BOOST_TEST(args.momentum->value == 0.5);
  // Written back byte for byte, keys in list order.
  BOOST_TEST(json::write(dense_fields().write(args)) == text);
}

BOOST_AUTO_TEST_CASE(defaults_fill_absent_keys) {
  const DenseArgs args = read(R"({"units": 4})");
  BOOST_TEST(args.name.empty());
  BOOST_TEST(args.trainable);
  BOOST_TEST(args.dtype.name == "float32");
  BOOST_TEST(args.activation == "linear");
  BOOST_TEST(args.kernel_initializer == nullptr);
  BOOST_TEST((args.kernel_size == config::IntTuple<2>(1)));
  BOOST_TEST(args.momentum->value == 0.99);  // the field's default, not the member's
  // Nulls: name null is the default; dtype null is float32; an optional null stays null.
  const DenseArgs nulls = read(R"({"units": 4, "name": null, "dtype": null, "momentum": null})");
  BOOST_TEST(nulls.name.empty());
  BOOST_TEST(!nulls.momentum.has_value());
  // The base layer arguments write the DTypePolicy dict Keras writes.
  BOOST_TEST(json::write(dense_fields().write(args))
                 .find(R"("dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, )"
                       R"("registered_name": null})") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(value_forms) {
  BOOST_TEST((read(R"({"units": 1, "kernel_size": 3})").kernel_size == config::IntTuple<2>({3, 3})));
  BOOST_TEST(read(R"({"units": 1, "dtype": "float32"})").dtype.name == "float32");
  BOOST_TEST(read(R"({"units": 1, "axes": []})").axes.empty());
  BOOST_TEST(read(R"({"units": 1, "kernel_initializer": "zeros"})").kernel_initializer != nullptr);
  // Integers and reals keep their form on the way back.
  DenseArgs args = read(R"({"units": 1, "momentum": 1})");
  BOOST_TEST(json::write(dense_fields().write(args)).find(R"("momentum": 1})") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(errors_name_the_key_path) {
  BOOST_TEST(error_of<ConfigError>(R"({"units": 0})")
                 .find("config.units: 'Dense' could not be deserialized "
                       "properly: expected an integer >= 1, got 0") == 0u);
  BOOST_TEST(error_of<ConfigError>(R"({"units": "8"})").find("config.units") == 0u);
  BOOST_TEST(error_of<ConfigError>(R"({"units": 1, "activation": "relu6"})").find("expected one of") !=
             std::string::npos);
  BOOST_TEST(error_of<ConfigError>(R"({"units": 1, "kernel_size": [3, "x"]})").find("config.kernel_size[1]") == 0u);
  BOOST_TEST(error_of<ConfigError>(R"({"units": 1, "kernel_size": [3, 3, 3]})").find("a list of 2 integers") !=
             std::string::npos);
  BOOST_TEST(error_of<ConfigError>(R"({"units": 1, "batch_shape": [null, "8"]})").find("config.batch_shape[1]") == 0u);
  BOOST_TEST(error_of<ConfigError>(R"({"units": 1, "axes": 3})").find("expected a list") != std::string::npos);
  BOOST_TEST(error_of<ConfigError>(R"({"units": 1, "trainable": null})").find("config.trainable") == 0u);
  // Unknown keys are refused with the accepted ones and a suggestion.
  const std::string unknown = error_of<ConfigError>(R"({"units": 1, "use_bais": true})");
  BOOST_TEST(unknown.find("config.use_bais") == 0u);
  BOOST_TEST(unknown.find("use_bias") != std::string::npos);
  // Nested objects keep their own paths.
  BOOST_TEST(
      error_of<UnknownObjectError>(R"({"units": 1, "kernel_initializer": "nope"})").find("config.kernel_initializer") ==
      0u);
}

BOOST_AUTO_TEST_CASE(dtype_policies_other_than_float32_are_not_supported) {
  const std::string mixed = error_of<NotSupportedError>(R"({"units": 1, "dtype": "mixed_float16"})");
  BOOST_TEST(mixed.find("config.dtype") == 0u);
  BOOST_TEST(mixed.find("mixed_float16") != std::string::npos);
  BOOST_TEST(error_of<NotSupportedError>(R"({"units": 1, "dtype": {"module": "keras", "class_name": "DTypePolicy",
      "config": {"name": "bfloat16"}, "registered_name": null}})")
                 .find("bfloat16") != std::string::npos);
  BOOST_TEST(error_of<NotSupportedError>(R"({"units": 1, "dtype": {"module": "keras", "class_name":
      "DTypePolicyMap", "config": {}}})")
                 .find("DTypePolicyMap") != std::string::npos);
  BOOST_TEST(error_of<ConfigError>(R"({"units": 1, "dtype": 5})").find("config.dtype") == 0u);
}

BOOST_AUTO_TEST_CASE(converted_classes_keep_their_configs) {
  // Initializers and losses now read and write through field lists; spot-check forms the
  // fixtures do not cover (the fixture suite checks every Keras file byte for byte).
  const auto round_trip = [](const std::string& text) {
    return json::write(serialize(deserialize(json::parse(text))));
  };
  BOOST_TEST(round_trip(R"({"module": "keras.initializers", "class_name": "Identity", "config": {"gain": 2},
      "registered_name": null})") ==
             R"({"module": "keras.initializers", "class_name": "Identity", "config": {"gain": 2}, )"
             R"("registered_name": null})");
  BOOST_TEST(round_trip(R"({"module": "keras.initializers", "class_name": "VarianceScaling", "config":
      {"mode": "fan_out", "input_axes": 0, "output_axes": [1]}, "registered_name": null})")
                 .find(R"("config": {"seed": null, "scale": 1.0, "mode": "fan_out", "distribution": )"
                       R"("truncated_normal", "input_axes": [0], "output_axes": [1]})") != std::string::npos);
  BOOST_TEST(round_trip(R"({"module": "keras.losses", "class_name": "Huber", "config": {"name": null,
      "reduction": null, "delta": 2}, "registered_name": null})")
                 .find(R"("config": {"name": "huber_loss", "reduction": null, "delta": 2})") != std::string::npos);
  BOOST_CHECK_THROW(round_trip(R"({"module": "keras.losses", "class_name": "Huber", "config": {"delta": -1},
      "registered_name": null})"),
                    ConfigError);
}

namespace {
struct RateArgs {
  std::int64_t units = 0;
  double rate = 0.5;
};
RateArgs read_rate(const std::string& text) {
  static const config::Fields<RateArgs> fields{config::field("units", &RateArgs::units).required(),
                                               config::field("rate", &RateArgs::rate)};
  DeserializeOptions options;
  DeserializationContext context(options);
  DeserializationContext::PathScope scope(context, "config");
  return fields.read(json::parse(text).as_object(), context, "Rate");
}
}  // namespace

BOOST_AUTO_TEST_CASE(required_fields_and_real_hyper_parameters) {
  BOOST_TEST(read_rate(R"({"units": 2})").rate == 0.5);
  BOOST_TEST(read_rate(R"({"units": 2, "rate": 1})").rate == 1.0);
  std::string message;
  try {
    read_rate(R"({"rate": 0.25})");
  } catch (const ConfigError& e) {
    message = e.what();
  }
  BOOST_TEST(message.find("config.units") != std::string::npos, message);
  BOOST_TEST(message.find("missing required argument 'units'") != std::string::npos, message);
  // null is not absent: an int64 field refuses it, naming the key.
  try {
    read_rate(R"({"units": null})");
    BOOST_FAIL("null units accepted");
  } catch (const ConfigError& e) {
    BOOST_TEST(std::string(e.what()).find("units") != std::string::npos, e.what());
  }
}
