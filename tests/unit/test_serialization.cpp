#define BOOST_TEST_MODULE serialization
#include <boost/test/unit_test.hpp>

#include "kplug/activations.hpp"
#include "kplug/config_reader.hpp"
#include "kplug/json.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/scope.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <limits>
#include <thread>

using namespace kplug;

namespace {

using kplug::test::contains;
using kplug::test::error_of;

boost::json::value J(std::string_view text) { return json::parse(text); }

// The Keras guide's shape: a registered class whose config holds a regularizer.
class MyDense : public Serializable {
 public:
  static constexpr Kind static_kind = Kind::layer;
  MyDense(std::int64_t units, std::shared_ptr<Regularizer> regularizer)
      : units_(units), kernel_regularizer_(std::move(regularizer)) {}
  Kind kind() const override { return static_kind; }
  boost::json::object get_config() const override {
    return {{"units", units_}, {"kernel_regularizer", serialize(ConstObjectPtr(kernel_regularizer_))}};
  }
  static std::shared_ptr<MyDense> from_config(const boost::json::object& config, DeserializationContext& context) {
    ConfigReader reader(config, context, "MyDense");
    const std::int64_t units = reader.integer("units", 1);
    auto regularizer = reader.object<Regularizer>("kernel_regularizer");
    reader.finish();
    return std::make_shared<MyDense>(units, std::move(regularizer));
  }
  const std::shared_ptr<Regularizer>& regularizer() const { return kernel_regularizer_; }

 private:
  std::int64_t units_;
  std::shared_ptr<Regularizer> kernel_regularizer_;
};

// A class without from_config.
class NoFromConfig : public Regularizer {
 public:
  float operator()(const Tensor&) const override { return 0; }
  boost::json::object get_config() const override { return {}; }
};

// A from_config that calls the top-level deserialize itself.
class Holder : public Regularizer {
 public:
  explicit Holder(std::shared_ptr<Regularizer> inner) : inner_(std::move(inner)) {}
  float operator()(const Tensor& x) const override { return (*inner_)(x); }
  boost::json::object get_config() const override { return {{"inner", serialize(ConstObjectPtr(inner_))}}; }
  static std::shared_ptr<Holder> from_config(const boost::json::object& config, DeserializationContext&) {
    return std::make_shared<Holder>(deserialize_as<Regularizer>(config.at("inner")));
  }

 private:
  std::shared_ptr<Regularizer> inner_;
};

struct CleanRegistry {
  CleanRegistry() { Registry::global().clear(); }
  ~CleanRegistry() { Registry::global().clear(); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(shapes, CleanRegistry)

BOOST_AUTO_TEST_CASE(exported_class) {
  BOOST_TEST(
      json::write(serialize(regularizers::L1L2(0.5, 0.25))) ==
      R"({"module": "keras.regularizers", "class_name": "L1L2", "config": {"l1": 0.5, "l2": 0.25}, "registered_name": null})");
}

BOOST_AUTO_TEST_CASE(registered_and_unregistered_class) {
  MyDense layer(3, std::make_shared<regularizers::L2>(0.5));
  BOOST_TEST(serialize(layer).at("registered_name").as_string() == "MyDense");
  BOOST_TEST(serialize(layer).at("module").is_null());
  register_serializable<MyDense>({.package = "MyLayers", .name = "KernelMult", .module = "my_module"});
  BOOST_TEST(
      json::write(serialize(layer)) ==
      R"({"module": "my_module", "class_name": "MyDense", "config": {"units": 3, "kernel_regularizer": )"
      R"({"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.5}, "registered_name": null}}, )"
      R"("registered_name": "MyLayers>KernelMult"})");
}

BOOST_AUTO_TEST_CASE(special_values) {
  BOOST_TEST(json::write(serialize(Value(Bytes{"ab"}))) == R"({"class_name": "__bytes__", "config": {"value": "ab"}})");
  BOOST_TEST(json::write(serialize(Value(Slice{1, std::nullopt, 2}))) ==
             R"({"class_name": "__slice__", "config": {"start": 1, "stop": null, "step": 2}})");
  BOOST_TEST(json::write(serialize(Value(Ellipsis{}))) == R"({"class_name": "__ellipsis__", "config": {}})");
  const std::vector<std::int64_t> ints{1, 2, 3, 4};
  NdArray array{Tensor::from_values<std::int64_t>({2, 2}, ints), false};
  BOOST_TEST(json::write(serialize(Value(array))) ==
             R"({"class_name": "__numpy__", "config": {"value": [[1, 2], [3, 4]], "dtype": "int64"}})");
  BOOST_TEST(json::write(serialize(Value(NdArray{Tensor::scalar(0.5f), false}))) == "0.5");  // scalar: plain number
  // Round trips through deserialize.
  for (const char* text : {R"({"class_name": "__bytes__", "config": {"value": "ab"}})",
                           R"({"class_name": "__slice__", "config": {"start": 1, "stop": null, "step": 2}})",
                           R"({"class_name": "__ellipsis__", "config": {}})",
                           R"({"class_name": "__numpy__", "config": {"value": [[1, 2], [3, 4]], "dtype": "int64"}})",
                           R"({"class_name": "__tensor__", "config": {"value": [0.5, 1.5], "dtype": "float32"}})",
                           R"([1, [2, 3], {"a": "x"}])"}) {
    BOOST_TEST(json::write(serialize(deserialize(J(text)))) == json::write(J(text)), text);
  }
  BOOST_CHECK_THROW(
      deserialize(J(R"({"class_name": "__numpy__", "config": {"value": [[1], [2, 3]], "dtype": "int64"}})")),
      ConfigError);
}

// Issue 8 point 3: integer arrays were stored as double, so int64 max became 2^63 and was cast
// back with undefined behaviour (printed as -9223372036854775808); floats and NaN in integer
// arrays were truncated silently. Now each array keeps its own dtype, exactly.
BOOST_AUTO_TEST_CASE(numpy_integer_arrays_are_exact) {
  const auto round_trip = [](const char* text) { return json::write(serialize(deserialize(J(text)))); };
  const char* int64_max = R"({"class_name": "__numpy__", "config": {"value": [9223372036854775807, )"
                          R"(-9223372036854775808, 9007199254740993], "dtype": "int64"}})";
  BOOST_TEST(round_trip(int64_max) == json::write(J(int64_max)));
  const Value v = deserialize(J(int64_max));
  const Tensor& t = v.as<NdArray>().array;
  BOOST_TEST(dtype_name(t.dtype()) == "int64");
  BOOST_TEST(t.data_as<std::int64_t>()[0] == std::numeric_limits<std::int64_t>::max());
  BOOST_TEST(t.data_as<std::int64_t>()[2] == 9007199254740993);  // 2^53 + 1: not a double
  const char* uint64_max = R"({"class_name": "__numpy__", "config": {"value": [18446744073709551615, 0], )"
                           R"("dtype": "uint64"}})";
  BOOST_TEST(round_trip(uint64_max) == json::write(J(uint64_max)));
  BOOST_TEST(deserialize(J(uint64_max)).as<NdArray>().array.data_as<std::uint64_t>()[0] ==
             std::numeric_limits<std::uint64_t>::max());
  const char* bools = R"({"class_name": "__tensor__", "config": {"value": [[true], [false]], "dtype": "bool"}})";
  BOOST_TEST(round_trip(bools) == json::write(J(bools)));
  const char* halves = R"({"class_name": "__numpy__", "config": {"value": [0.5, -2.0, 65504.0], "dtype": "float16"}})";
  BOOST_TEST(round_trip(halves) == json::write(J(halves)));
  BOOST_TEST(round_trip(R"({"class_name": "__numpy__", "config": {"value": [3.0], "dtype": "int32"}})") ==
             R"({"class_name": "__numpy__", "config": {"value": [3], "dtype": "int32"}})");
}

BOOST_AUTO_TEST_CASE(numpy_values_their_dtype_cannot_hold) {
  const auto error = [](const char* text) -> std::string {
    try {
      deserialize(J(text));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string fraction =
      error(R"({"class_name": "__numpy__", "config": {"value": [[1, 2], [3, 4.5]], "dtype": "int64"}})");
  BOOST_TEST(fraction.find("config.value[1][1]") != std::string::npos, fraction);
  BOOST_TEST(fraction.find("4.5") != std::string::npos, fraction);
  BOOST_TEST(fraction.find("int64") != std::string::npos, fraction);
  const std::string nan = error(R"({"class_name": "__numpy__", "config": {"value": [NaN], "dtype": "int32"}})");
  BOOST_TEST(nan.find("config.value[0]") != std::string::npos, nan);
  const std::string big =
      error(R"({"class_name": "__numpy__", "config": {"value": [18446744073709551615], "dtype": "int64"}})");
  BOOST_TEST(big.find("out of range") != std::string::npos, big);
  BOOST_TEST(
      error(R"({"class_name": "__numpy__", "config": {"value": [300], "dtype": "uint8"}})").find("out of range") !=
      std::string::npos);
  BOOST_TEST(
      error(R"({"class_name": "__numpy__", "config": {"value": [-1], "dtype": "uint64"}})").find("out of range") !=
      std::string::npos);
  BOOST_TEST(
      error(R"({"class_name": "__numpy__", "config": {"value": [1e300], "dtype": "int64"}})").find("out of range") !=
      std::string::npos);
  BOOST_TEST(error(R"({"class_name": "__numpy__", "config": {"value": [1e39], "dtype": "float32"}})").find("float32") !=
             std::string::npos);
  BOOST_TEST(
      error(R"({"class_name": "__numpy__", "config": {"value": [70000], "dtype": "float16"}})").find("float16") !=
      std::string::npos);
  BOOST_TEST(error(R"({"class_name": "__numpy__", "config": {"value": [1], "dtype": "bool"}})").find("true or false") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(functions) {
  BOOST_TEST(json::write(serialize(deserialize_object(J(R"("relu")"), Kind::activation))) ==
             R"({"module": "builtins", "class_name": "function", "config": "relu", "registered_name": "function"})");
  const std::string key = register_activation("my_package", "custom_fn", [](const Tensor& x) { return x * x; });
  auto fn = deserialize_as<Activation>(J(
      R"({"module": "builtins", "class_name": "function", "config": "my_package>custom_fn", "registered_name": "function"})"));
  BOOST_REQUIRE(fn);
  BOOST_TEST((*fn)(Tensor::vector({3.0f}))[0] == 9.0f);
  BOOST_TEST(serialize(*fn).at("config").as_string() == key);
  BOOST_TEST(get_registered_name(*fn) == "my_package>custom_fn");
}

BOOST_AUTO_TEST_CASE(round_trip_is_identical) {
  const auto text =
      R"({"module": "keras.regularizers", "class_name": "L1L2", "config": {"l1": 9.999999747378752e-06, "l2": 0.0001}, "registered_name": null})";
  BOOST_TEST(json::write(serialize(deserialize(J(text)))) == text);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(lookup, CleanRegistry)

BOOST_AUTO_TEST_CASE(plain_values) {
  BOOST_TEST(deserialize(J("null")).is_null());
  BOOST_TEST(deserialize(J(R"("unmatched")")).as<std::string>() == "unmatched");
  BOOST_TEST(deserialize(J("[1, 2.5, true]")).as<Value::List>().size() == 3u);
  const Value dict = deserialize(J(R"({"class_name": "L1"})"));  // no config: a plain dict
  BOOST_TEST(dict.is<Value::Dict>());
}

BOOST_AUTO_TEST_CASE(function_via_builtins_or_module) {
  for (
      const char* text :
      {R"({"module": "builtins", "class_name": "function", "config": "relu", "registered_name": "function"})",
       R"({"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "function"})"}) {
    auto fn = deserialize_as<Activation>(J(text));
    BOOST_REQUIRE(fn);
    BOOST_TEST((*fn)(Tensor::vector({-1.0f, 2.0f}))[0] == 0.0f);
  }
}

BOOST_AUTO_TEST_CASE(builtin_with_foreign_registered_name_is_refused) {
  const std::string what = error_of<ConfigError>([] {
    deserialize(
        J(R"({"module": "keras.regularizers", "class_name": "L1", "config": {}, "registered_name": "pkg>L1"})"));
  });
  BOOST_TEST(contains(what, "resolved to a Keras built-in and does not use registered names"), what);
}

BOOST_AUTO_TEST_CASE(registered_name_wins_over_module_and_class_name) {
  register_serializable<MyDense>({.package = "pkg", .name = "L1"});
  auto obj = deserialize(J(
      R"({"module": "keras.regularizers", "class_name": "L1", "config": {"units": 2}, "registered_name": "pkg>L1"})"));
  BOOST_TEST(std::dynamic_pointer_cast<MyDense>(obj.object()) != nullptr);
}

BOOST_AUTO_TEST_CASE(unknown_class_and_function) {
  std::string what = error_of<UnknownObjectError>([] {
    deserialize(J(R"({"module": "keras.regularizers", "class_name": "L1L3", "config": {}, "registered_name": null})"));
  });
  BOOST_TEST(contains(what, "Could not locate class 'L1L3'"), what);
  BOOST_TEST(contains(what, "Did you mean 'L1L2'"), what);
  what = error_of<UnknownObjectError>([] {
    deserialize(
        J(R"({"module": "builtins", "class_name": "function", "config": "rleu", "registered_name": "function"})"));
  });
  BOOST_TEST(contains(what, "Could not locate function 'rleu'"), what);
  BOOST_TEST(contains(what, "'relu'"), what);
}

// register_serializable<NoFromConfig>() no longer compiles (sdk_class_without_from_config_
// fails_to_compile); an entry made by hand without a factory still fails clearly at run time.
BOOST_AUTO_TEST_CASE(missing_from_config) {
  Registry::global().add("Custom>NoFromConfig", make_class_entry(Kind::regularizer, "NoFromConfig", std::nullopt,
                                                                 typeid(NoFromConfig), {}, SourceLocation::current()));
  const std::string what = error_of<DeserializationError>([] {
    deserialize(
        J(R"({"module": null, "class_name": "NoFromConfig", "config": {}, "registered_name": "Custom>NoFromConfig"})"));
  });
  BOOST_TEST(contains(what, "missing a `from_config()` method"), what);
}

BOOST_AUTO_TEST_CASE(wrong_argument_is_wrapped_with_its_path) {
  const std::string what = error_of<ConfigError>([] {
    deserialize(
        J(R"({"module": "keras.regularizers", "class_name": "L1L2", "config": {"l1": "x"}, "registered_name": null})"));
  });
  BOOST_TEST(contains(what, "config.l1"), what);
  BOOST_TEST(contains(what, "could not be deserialized properly"), what);
}

BOOST_AUTO_TEST_CASE(nested_path_in_errors) {
  register_serializable<MyDense>({.package = "MyLayers", .name = "KernelMult"});
  const std::string what = error_of<UnknownObjectError>([] {
    deserialize(J(R"([0, {"module": null, "class_name": "MyDense", "registered_name": "MyLayers>KernelMult",
                     "config": {"units": 2, "kernel_regularizer": "l3"}}])"));
  });
  BOOST_TEST(contains(what, "[1].config.kernel_regularizer"), what);
  BOOST_TEST(contains(what, "Could not interpret regularizer identifier: 'l3'"), what);
}

BOOST_AUTO_TEST_CASE(legacy_bare_function_name) {
  register_activation("my_package", "custom_fn", [](const Tensor& x) { return x * x; });
  auto fn = deserialize_as<Activation>(
      J(R"({"module": "builtins", "class_name": "function", "config": "custom_fn", "registered_name": "function"})"));
  BOOST_REQUIRE(fn);
  BOOST_TEST(serialize(*fn).at("config").as_string() == "my_package>custom_fn");
}

BOOST_AUTO_TEST_CASE(non_modeling_api_is_refused) {
  const std::string what = error_of<UnsafeObjectError>([] {
    deserialize(J(R"({"module": "keras.saving", "class_name": "load_model", "config": {}, "registered_name": null})"));
  });
  BOOST_TEST(contains(what, "Cannot deserialize `keras.saving.load_model` because it is not a modeling function"),
             what);
}

BOOST_AUTO_TEST_CASE(config_naming_a_library_never_loads_it) {
  const std::string what = error_of<UnknownObjectError>([] {
    deserialize(
        J(R"({"module": "/tmp/libevil.so", "class_name": "dlopen", "config": {}, "registered_name": "evil>init"})"));
  });
  BOOST_TEST(contains(what, "never makes kplug load code"), what);
}

BOOST_AUTO_TEST_CASE(kind_is_checked) {
  const std::string what = error_of<KindMismatchError>([] {
    deserialize_object(
        J(R"({"module": "keras.constraints", "class_name": "NonNeg", "config": {}, "registered_name": null})"),
        Kind::regularizer);
  });
  BOOST_TEST(contains(what, "is a constraint, but a regularizer was expected"), what);
}

BOOST_AUTO_TEST_CASE(string_shortcuts_per_kind) {
  auto l1 = deserialize_as<Regularizer>(J(R"("l1")"));
  BOOST_REQUIRE(l1);
  BOOST_TEST(serialize(*l1).at("class_name").as_string() == "L1");
  // Kind getters accept configs without a module (Keras's module_objects).
  BOOST_TEST(deserialize_as<Regularizer>(J(R"({"class_name": "L2", "config": {"l2": 0.5}})")) != nullptr);
}

BOOST_AUTO_TEST_CASE(guide_example_resolves_in_scope) {
  // Not registered: only the scope knows the key.
  MyDense layer(4, std::make_shared<regularizers::L1>(0.01));
  const auto config = J(R"({"module": null, "class_name": "MyDense", "config": {"units": 4, "kernel_regularizer":
      {"module": "keras.regularizers", "class_name": "L1", "config": {"l1": 0.009999999776482582}, "registered_name": null}},
      "registered_name": "MyLayers>KernelMult"})");
  BOOST_CHECK_THROW(deserialize(config), UnknownObjectError);
  CustomObjectScope scope({{"MyLayers>KernelMult", class_entry<MyDense>()}});
  auto obj = std::dynamic_pointer_cast<MyDense>(deserialize(config).object());
  BOOST_REQUIRE(obj);
  BOOST_TEST((*obj->regularizer())(Tensor::vector({-2.0f, 2.0f})) == 0.04f, boost::test_tools::tolerance(1e-6f));
}

BOOST_AUTO_TEST_CASE(nested_from_config_sees_outer_custom_objects) {
  DeserializeOptions options;
  options.custom_objects = {{"Custom>Holder", class_entry<Holder>()},
                            {"Custom>MyReg", class_entry<regularizers::L2>()}};
  const auto config = J(R"({"module": null, "class_name": "Holder", "registered_name": "Custom>Holder",
      "config": {"inner": {"module": null, "class_name": "L2", "config": {"l2": 1.0}, "registered_name": "Custom>MyReg"}}})");
  auto holder = deserialize_as<Regularizer>(config, options);
  BOOST_REQUIRE(holder);
  BOOST_TEST((*holder)(Tensor::vector({2.0f})) == 4.0f);
}

BOOST_AUTO_TEST_CASE(bad_input_never_crashes) {
  for (const char* text : {
           R"({"class_name": 5, "config": {}})",
           R"({"module": "keras.regularizers", "class_name": "L1", "config": [1]})",
           R"({"module": "builtins", "class_name": "function", "config": null})",
           R"({"module": 7, "class_name": "L1", "config": {}})",
           R"({"module": "keras.regularizers", "class_name": "L1", "config": {}, "registered_name": 3})",
           R"({"module": "keras.regularizers", "class_name": "L1", "config": {"l1": -1}})",
           R"({"module": "keras.regularizers", "class_name": "OrthogonalRegularizer", "config": {"mode": "diag"}})",
           R"({"module": "keras.constraints", "class_name": "MaxNorm", "config": {"axis": "x"}})",
       }) {
    BOOST_CHECK_THROW(deserialize(J(text)), Error);
  }
  // 100,000 levels of nested plain dicts (built in memory, past the parser's bound).
  boost::json::value deep = boost::json::object{};
  for (int i = 0; i < 100000; ++i) deep = boost::json::object{{"a", std::move(deep)}};
  BOOST_CHECK_THROW(deserialize(deep), DeserializationError);
  // Tear down without recursing 100,000 frames deep.
  while (auto* object = deep.if_object()) {
    if (object->empty()) break;
    boost::json::value inner = std::move(object->begin()->value());
    deep = std::move(inner);
  }
  // A 10 MB string as a class name.
  boost::json::object huge{
      {"class_name", std::string(10 << 20, 'x')}, {"config", boost::json::object{}}, {"module", "keras.layers"}};
  BOOST_CHECK_THROW(deserialize(huge), UnknownObjectError);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(safe_mode, CleanRegistry)

const char* kLambda = R"({"class_name": "__lambda__", "config": {"value": ["4wEAAAAAAAAA", null, null]}})";

BOOST_AUTO_TEST_CASE(lambda_refused_by_default_and_explicitly) {
  std::string what = error_of<UnsafeObjectError>([] { deserialize(J(kLambda)); });
  BOOST_TEST(contains(what, "arbitrary code execution"), what);
  BOOST_TEST(contains(what, "safe_mode=False"), what);
  DeserializeOptions safe;
  safe.safe_mode = true;
  BOOST_CHECK_THROW(deserialize(J(kLambda), safe), UnsafeObjectError);
  DeserializeOptions unsafe;
  unsafe.safe_mode = false;
  BOOST_CHECK_THROW(deserialize(J(kLambda), unsafe), NotSupportedError);  // still never runs bytecode
}

BOOST_AUTO_TEST_CASE(lambda_refused_when_nested) {
  const std::string nested = std::string(R"({"outer": [1, {"x": )") + kLambda + "}]}";
  const std::string what = error_of<UnsafeObjectError>([&] { deserialize(J(nested)); });
  BOOST_TEST(contains(what, "outer[1].x"), what);
  const std::string legacy = std::string(R"({"class_name": "L1", "config": {"l1": )") + kLambda + "}}";
  BOOST_CHECK_THROW(deserialize_object(J(legacy), Kind::regularizer), Error);
}

BOOST_AUTO_TEST_CASE(outer_safe_mode_wins_in_nested_calls) {
  DeserializeOptions options;
  options.safe_mode = true;
  options.custom_objects = {{"Custom>Holder", class_entry<Holder>()}};
  const std::string config =
      std::string(
          R"({"module": null, "class_name": "Holder", "registered_name": "Custom>Holder", "config": {"inner": )") +
      kLambda + "}}";
  BOOST_CHECK_THROW(deserialize(J(config), options), UnsafeObjectError);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(shared_objects, CleanRegistry)

BOOST_AUTO_TEST_CASE(same_instance_gets_one_id_inside_a_scope) {
  auto shared = std::make_shared<regularizers::L2>(0.5);
  Value list = Value::List{ObjectPtr(shared), ObjectPtr(shared), ObjectPtr(std::make_shared<regularizers::L1>())};
  boost::json::value document;
  {
    SharedObjectSavingScope scope;
    document = serialize(list);
    scope.finalize(document);
  }
  const auto& items = document.as_array();
  BOOST_TEST(items[0].at("shared_object_id") == items[1].at("shared_object_id"));
  BOOST_TEST(!items[2].as_object().contains("shared_object_id"));
  // Without a scope, no ids at all (to_json).
  BOOST_TEST(!serialize(list).as_array()[0].as_object().contains("shared_object_id"));

  {
    SharedObjectLoadingScope scope;
    const Value loaded = deserialize(document);
    const auto& objects = loaded.as<Value::List>();
    BOOST_TEST(objects[0].object() == objects[1].object());
    BOOST_TEST(objects[0].object() != objects[2].object());
  }
  const Value distinct = deserialize(document);  // no scope: distinct instances
  BOOST_TEST(distinct.as<Value::List>()[0].object() != distinct.as<Value::List>()[1].object());
}

BOOST_AUTO_TEST_CASE(id_reused_for_another_kind_is_an_error) {
  SharedObjectLoadingScope scope;
  const auto config = J(R"([
    {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.5}, "registered_name": null, "shared_object_id": 7},
    {"module": "keras.constraints", "class_name": "NonNeg", "config": {}, "registered_name": null, "shared_object_id": 7}])");
  const std::string what = error_of<KindMismatchError>([&] { deserialize(config); });
  BOOST_TEST(contains(what, "[1].shared_object_id"), what);
  BOOST_TEST(contains(what, "was first used for a regularizer"), what);
}

BOOST_AUTO_TEST_SUITE_END()
