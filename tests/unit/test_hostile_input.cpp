// Issue 8: what the text layer must do with hostile or unusual input — integers beyond int64,
// built-in functions with a foreign registered_name, sizes from data, hyper-parameters beyond
// float32. (Exact doubles and the NaN tokens are in test_json.)
#define BOOST_TEST_MODULE hostile_input
#include <boost/test/unit_test.hpp>

#include "kplug/allocation_budget.hpp"
#include "kplug/errors.hpp"
#include "kplug/initializers.hpp"
#include "kplug/json.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <thread>

using namespace kplug;

namespace {

using kplug::test::contains;
using kplug::test::error_of;
boost::json::value J(std::string_view text) { return json::parse(text); }
std::string round_trip(std::string_view text) { return json::write(serialize(deserialize(J(text)))); }

}  // namespace

// Point 4: `18446744073709551615` came back as `1.8446744073709552e+19`.
BOOST_AUTO_TEST_CASE(uint64_config_numbers_stay_exact) {
  const std::string constant =
      R"({"module": "keras.initializers", "class_name": "Constant", "config": {"value": 18446744073709551615}, "registered_name": null})";
  BOOST_TEST(round_trip(constant) == constant);
  const std::string big_int64 =
      R"({"module": "keras.initializers", "class_name": "Constant", "config": {"value": 9007199254740993}, "registered_name": null})";
  BOOST_TEST(round_trip(big_int64) == big_int64);  // above 2^53: was written as 9007199254740992.0
  BOOST_TEST(Number::unsigned_integer(std::numeric_limits<std::uint64_t>::max()).to_json().as_uint64() ==
             std::numeric_limits<std::uint64_t>::max());
  BOOST_TEST(Number::integer(std::numeric_limits<std::int64_t>::min()).to_json().as_int64() ==
             std::numeric_limits<std::int64_t>::min());
  // An argument that takes int64 says so rather than "expected an integer, got an integer".
  // (A seed takes uint64 too, as Keras does: test_seed.)
  const std::string what = error_of<ConfigError>([] {
    deserialize(J(
        R"({"module": "keras.layers", "class_name": "Dense", "config": {"units": 18446744073709551615}, "registered_name": null})"));
  });
  BOOST_TEST(contains(what, "beyond int64's range"), what);
  BOOST_TEST(contains(what, "units"), what);
  // Beyond uint64: a clear error, never a float.
  const std::string huge = error_of<JsonError>([] { J(R"({"config": {"seed": 18446744073709551616}})"); });
  BOOST_TEST(contains(huge, "does not fit in 64 bits"), huge);
}

// Point 5: Keras 3.16 refuses a built-in function with a foreign registered_name.
BOOST_AUTO_TEST_CASE(builtin_function_with_foreign_registered_name_is_refused) {
  for (
      const char* text :
      {R"({"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "subprocess.Popen"})",
       R"({"module": "builtins", "class_name": "function", "config": "relu", "registered_name": "subprocess.Popen"})",
       R"({"module": "keras.losses", "class_name": "function", "config": "mean_squared_error", "registered_name": "os.system"})"}) {
    const std::string what = error_of<ConfigError>([&] { deserialize(J(text)); });
    const bool named = contains(what, "`registered_name=subprocess.Popen` was provided in the config") ||
                       contains(what, "`registered_name=os.system` was provided in the config");
    BOOST_TEST(named, what);
    BOOST_TEST(contains(what, "resolved to a Keras built-in and does not use registered names"), what);
    BOOST_TEST(contains(what, "registered_name"), what);
  }
  BOOST_TEST(contains(
      error_of<ConfigError>([] {
        deserialize(J(
            R"({"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "x"})"));
      }),
      "'keras.activations.relu' resolved to a Keras built-in"));
  // What Keras accepts: the name itself, "function", null, or nothing.
  for (const char* text :
       {R"({"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "function"})",
        R"({"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "relu"})",
        R"({"module": "builtins", "class_name": "function", "config": "relu", "registered_name": null})",
        R"({"module": "builtins", "class_name": "function", "config": "relu"})"}) {
    BOOST_CHECK_NO_THROW(deserialize(J(text)));
  }
}

// Point 6: a huge shape used to end in std::bad_alloc (or worse); now one budget, checked first.
BOOST_AUTO_TEST_CASE(allocation_budget_caps_sizes_from_data) {
  const auto glorot = deserialize_as<Initializer>(J(
      R"({"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": 1}, "registered_name": null})"));
  BOOST_REQUIRE(glorot);
  const std::string what = error_of<ValueError>([&] { (*glorot)({1 << 20, 1 << 20}); });
  BOOST_TEST(contains(what, "GlorotUniform initializer"), what);
  BOOST_TEST(contains(what, "(1048576, 1048576)"), what);
  BOOST_TEST(contains(what, "4398046511104 bytes"), what);
  BOOST_TEST(contains(what, "allocation budget"), what);
  // Overflowing products are caught before they wrap.
  const std::string overflow = error_of<ValueError>([&] {
    initializers::Zeros()({std::int64_t{1} << 40, std::int64_t{1} << 40});
  });
  BOOST_TEST(contains(overflow, "more than 2^64"), overflow);
  for (const char* name : {"Zeros", "Ones", "Constant", "Identity", "Orthogonal", "RandomNormal", "RandomUniform",
                           "TruncatedNormal", "HeNormal", "LecunUniform"}) {
    const auto init = deserialize_as<Initializer>(J(std::string(R"({"module": "keras.initializers", "class_name": ")") +
                                                    name + R"(", "config": {}, "registered_name": null})"));
    BOOST_REQUIRE(init);
    BOOST_CHECK_THROW((*init)({1 << 30, 1 << 30}), ValueError);
  }
  // The host sets the budget, per thread, for a scope.
  {
    AllocationBudgetScope budget(1024);
    BOOST_TEST(allocation_budget() == 1024u);
    BOOST_CHECK_NO_THROW(initializers::Zeros()({16, 16}));  // 1024 bytes
    BOOST_CHECK_THROW(initializers::Zeros()({16, 17}), ValueError);
    std::thread([] { BOOST_TEST(allocation_budget() == kDefaultAllocationBudget); }).join();
  }
  BOOST_TEST(allocation_budget() == kDefaultAllocationBudget);
  BOOST_TEST(check_allocation(std::uint64_t{10}, 4, "here") == 40u);
  BOOST_TEST(check_allocation(std::vector<std::int64_t>{std::int64_t{1} << 62, 4, 0}, 8, "here") == 0u);
  const std::string path = error_of<ValueError>([] { check_allocation(std::uint64_t{1} << 62, 8, "config.value"); });
  BOOST_TEST(contains(path, "config.value"), path);
}

// Point 7: `"l1": 1e39` was accepted, stored as float32 inf and written as `Infinity`, which
// kplug then refused to read. Checked as stored now; double-stored values round trip.
BOOST_AUTO_TEST_CASE(float32_hyper_parameters_are_checked_as_stored) {
  const std::string l1 = error_of<Error>([] {
    deserialize(
        J(R"({"module": "keras.regularizers", "class_name": "L1", "config": {"l1": 1e39}, "registered_name": null})"));
  });
  BOOST_TEST(contains(l1, "l1"), l1);
  BOOST_TEST(contains(l1, "float32"), l1);
  const std::string factor = error_of<Error>([] {
    deserialize(J(
        R"({"module": "keras.regularizers", "class_name": "OrthogonalRegularizer", "config": {"factor": 3.5e38, "mode": "rows"}, "registered_name": null})"));
  });
  BOOST_TEST(contains(factor, "factor"), factor);
  BOOST_CHECK_THROW(regularizers::L1(1e39), ValueError);
  // The largest float32 is fine, and whatever is accepted reads back.
  for (
      const char* text :
      {R"({"module": "keras.regularizers", "class_name": "L1", "config": {"l1": 3.4028234663852886e+38}, "registered_name": null})",
       R"({"module": "keras.regularizers", "class_name": "L1L2", "config": {"l1": 1e+39, "l2": 1e+300}, "registered_name": null})",
       R"({"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 1e+39}, "registered_name": null})"}) {
    const std::string once = round_trip(text);
    BOOST_TEST(once == text);
    BOOST_TEST(round_trip(once) == once);
  }
}
