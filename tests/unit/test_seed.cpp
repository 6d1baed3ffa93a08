// Issue 19 point 6: a seed is any integer Keras accepts (int64 or uint64) and is written
// back as the same integer; anything else is an error naming the key.
#define BOOST_TEST_MODULE seed
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/initializers.hpp"
#include "kplug/json.hpp"
#include "kplug/seed.hpp"
#include "kplug/serialization.hpp"
#include "layer_support.hpp"
#include "test_support.hpp"

#include <cstdint>
#include <limits>
#include <string>

using namespace kplug;

namespace {

using kplug::test::contains;
using kplug::test::error_of;

const char* const kSeeds[] = {"18446744073709551615", "9223372036854775807", "-1", "0"};

// The texts real Keras 3.16 writes (serialize_keras_object + json.dumps) for seed=<seed>.
std::string random_normal(const std::string& seed) {
  return R"({"module": "keras.initializers", "class_name": "RandomNormal", "config": {"seed": )" + seed +
         R"(, "mean": 0.0, "stddev": 0.05}, "registered_name": null})";
}
std::string glorot_uniform(const std::string& seed) {
  return R"({"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": )" + seed +
         R"(, "input_axes": null, "output_axes": null}, "registered_name": null})";
}
const std::string kPolicy =
    R"({"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null})";
std::string dropout_config(const std::string& seed) {
  return R"({"name": "drop", "trainable": true, "dtype": )" + kPolicy + R"(, "rate": 0.5, "seed": )" + seed +
         R"(, "noise_shape": null})";
}
std::string gaussian_noise_config(const std::string& seed) {
  return R"({"name": "noise", "trainable": true, "dtype": )" + kPolicy + R"(, "stddev": 0.5, "seed": )" + seed + "}";
}
std::string layer_text(const std::string& class_name, const std::string& config) {
  return R"({"module": "keras.layers", "class_name": ")" + class_name + R"(", "config": )" + config +
         R"(, "registered_name": null})";
}

std::string initializer_round_trip(const std::string& text) {
  return json::write(serialize(deserialize(json::parse(text))));
}
std::string layer_round_trip(const std::string& class_name, const std::string& config) {
  return json::write(serialize(test::layer_from(class_name, config)));
}

}  // namespace

BOOST_AUTO_TEST_CASE(seeds_come_back_as_the_same_integers) {
  for (const std::string seed : kSeeds) {
    BOOST_TEST(initializer_round_trip(random_normal(seed)) == random_normal(seed));
    BOOST_TEST(initializer_round_trip(glorot_uniform(seed)) == glorot_uniform(seed));
    BOOST_TEST(layer_round_trip("Dropout", dropout_config(seed)) == layer_text("Dropout", dropout_config(seed)));
    BOOST_TEST(layer_round_trip("GaussianNoise", gaussian_noise_config(seed)) ==
               layer_text("GaussianNoise", gaussian_noise_config(seed)));
  }
}

BOOST_AUTO_TEST_CASE(a_seed_holds_every_64_bit_integer) {
  const Seed big = std::numeric_limits<std::uint64_t>::max();
  BOOST_TEST(big.to_string() == "18446744073709551615");
  BOOST_TEST(big.to_json().is_uint64());
  BOOST_TEST(!big.is_negative());
  const Seed minus_one = -1;
  BOOST_TEST(minus_one.to_string() == "-1");
  BOOST_TEST(minus_one.to_json().as_int64() == -1);
  BOOST_TEST(minus_one.is_negative());
  const Seed lowest = std::numeric_limits<std::int64_t>::min();
  BOOST_TEST(lowest.to_string() == "-9223372036854775808");
  // Int64-sized values are written as int64, whichever type they came in.
  BOOST_TEST(Seed(std::uint64_t{42}).to_json().is_int64());
  BOOST_TEST(Seed(std::uint64_t{42}) == Seed(42));
  // Same bits, different integers.
  BOOST_TEST(minus_one.bits() == big.bits());
  BOOST_TEST(!(minus_one == big));
}

// The generators take the seed's 64 bits: an int64 seed draws what it always drew, and -1
// and 2^64 - 1 draw the same values (in Keras too, whose backends keep the low 32 bits).
BOOST_AUTO_TEST_CASE(generators_take_the_seeds_bits) {
  BOOST_TEST(initializers::RandomNormal(Number::real(0.0), Number::real(1.0), 42).effective_seed() == 42u);
  const initializers::RandomNormal minus_one(Number::real(0.0), Number::real(1.0), -1);
  const initializers::RandomNormal big(Number::real(0.0), Number::real(1.0), std::numeric_limits<std::uint64_t>::max());
  BOOST_TEST(minus_one.effective_seed() == std::numeric_limits<std::uint64_t>::max());
  BOOST_TEST(allclose(minus_one({4}), big({4}), 0.0f, 0.0f));
  BOOST_TEST(*big.seed() == Seed(std::numeric_limits<std::uint64_t>::max()));
}

BOOST_AUTO_TEST_CASE(a_seed_that_is_not_an_integer_is_an_error_naming_the_key) {
  // Keras refuses these too ("Argument `seed` must be an integer", or "should be an
  // instance of `keras.random.SeedGenerator()` or an integer"); 2.0 included.
  for (const std::string bad : {"2.0", "1.5", R"("3")", "true", "[1]"}) {
    const std::string init = error_of<ConfigError>([&] { deserialize(json::parse(random_normal(bad))); });
    BOOST_TEST(contains(init, "config.seed"), init);
    BOOST_TEST(contains(init, "expected an integer seed"), init);
    const std::string layer = error_of<ConfigError>([&] { test::layer_from("Dropout", dropout_config(bad)); });
    BOOST_TEST(contains(layer, "seed"), layer);
    BOOST_TEST(contains(layer, "expected an integer seed"), layer);
    const std::string noise =
        error_of<ConfigError>([&] { test::layer_from("GaussianNoise", gaussian_noise_config(bad)); });
    BOOST_TEST(contains(noise, "seed"), noise);
    BOOST_TEST(contains(noise, "expected an integer seed"), noise);
  }
  // Beyond 64 bits: Keras's layers raise OverflowError; kplug's JSON parser refuses the number.
  const std::string huge = error_of<JsonError>([] { json::parse(dropout_config("18446744073709551616")); });
  BOOST_TEST(contains(huge, "does not fit in 64 bits"), huge);
  const std::string low = error_of<JsonError>([] { json::parse(dropout_config("-9223372036854775809")); });
  BOOST_TEST(contains(low, "does not fit in 64 bits"), low);
}
