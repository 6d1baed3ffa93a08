// Configs of the regression-family losses: Keras's keys and order, round trips, the
// function forms and losses.get short names, and errors that name the offending key.
#define BOOST_TEST_MODULE losses_regression_config
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/losses/regression.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <cmath>
#include <string>

using namespace kplug;
using namespace kplug::losses;

namespace {
// `text` as Python's json.dumps writes it (", " and ": " separators).
std::string py(const std::string& text) { return json::write(json::parse(text)); }

std::string round_trip(const std::string& text) { return json::write(serialize(deserialize(json::parse(text)))); }

std::string config_of(const Loss& loss) { return json::write(loss.get_config()); }

// The ConfigError path of deserializing `text` as a loss ("" if it does not throw one).
std::string error_path(const std::string& text) {
  try {
    deserialize_object(json::parse(text), Kind::loss);
  } catch (const ConfigError& e) {
    return e.path();
  }
  return "";
}
}  // namespace

BOOST_AUTO_TEST_CASE(default_configs_follow_keras) {
  BOOST_TEST(config_of(MeanSquaredError()) == py(R"({"name":"mean_squared_error","reduction":"sum_over_batch_size"})"));
  BOOST_TEST(config_of(MeanAbsolutePercentageError("sum")) ==
             py(R"({"name":"mean_absolute_percentage_error","reduction":"sum"})"));
  BOOST_TEST(config_of(KLDivergence(std::nullopt)) == py(R"({"name":"kl_divergence","reduction":null})"));
  BOOST_TEST(config_of(Huber()) == py(R"({"name":"huber_loss","reduction":"sum_over_batch_size","delta":1.0})"));
  BOOST_TEST(config_of(CosineSimilarity()) ==
             py(R"({"name":"cosine_similarity","reduction":"sum_over_batch_size","axis":-1})"));
  BOOST_TEST(config_of(Dice()) == py(R"({"name":"dice","reduction":"sum_over_batch_size","axis":null})"));
  BOOST_TEST(config_of(Tversky()) ==
             py(R"({"name":"tversky","reduction":"sum_over_batch_size","alpha":0.5,"beta":0.5,"axis":null})"));
  BOOST_TEST(
      config_of(Circle()) ==
      py(R"({"name":"circle","reduction":"sum_over_batch_size","gamma":80.0,"margin":0.4,"remove_diagonal":true})"));
  BOOST_TEST(config_of(LogCosh()) == py(R"({"name":"log_cosh","reduction":"sum_over_batch_size"})"));
  BOOST_TEST(Hinge().class_name() == "Hinge");
  BOOST_TEST(
      json::write(serialize(SquaredHinge())) ==
      py(R"({"module":"keras.losses","class_name":"SquaredHinge","config":{"name":"squared_hinge","reduction":"sum_over_batch_size"},"registered_name":null})"));
}

BOOST_AUTO_TEST_CASE(configs_round_trip_with_their_types) {
  for (
      const char* text :
      {R"({"module":"keras.losses","class_name":"Huber","config":{"name":"h","reduction":"sum","delta":2},"registered_name":null})",
       R"({"module":"keras.losses","class_name":"Dice","config":{"name":"dice","reduction":null,"axis":[1,2]},"registered_name":null})",
       R"({"module":"keras.losses","class_name":"Dice","config":{"name":"dice","reduction":"mean","axis":1},"registered_name":null})",
       R"({"module":"keras.losses","class_name":"Tversky","config":{"name":"t","reduction":"mean_with_sample_weight","alpha":0.3,"beta":1,"axis":[-1]},"registered_name":null})",
       R"({"module":"keras.losses","class_name":"Circle","config":{"name":"c","reduction":"none","gamma":256,"margin":0.25,"remove_diagonal":false},"registered_name":null})",
       R"({"module":"keras.losses","class_name":"CosineSimilarity","config":{"name":"cos","reduction":"sum_over_batch_size","axis":0},"registered_name":null})",
       R"({"module":"keras.losses","class_name":"Poisson","config":{"name":"poisson","reduction":null},"registered_name":null})"}) {
    BOOST_TEST(round_trip(text) == py(text));
  }
  // Missing arguments take Keras's defaults; dtype float32 is accepted and not written back.
  BOOST_TEST(
      round_trip(R"({"module":"keras.losses","class_name":"Tversky","config":{"dtype":"float32"}})") ==
      py(R"({"module":"keras.losses","class_name":"Tversky","config":{"name":"tversky","reduction":"sum_over_batch_size","alpha":0.5,"beta":0.5,"axis":null},"registered_name":null})"));
}

BOOST_AUTO_TEST_CASE(deserialized_losses_compute) {
  auto huber = deserialize_as<Loss>(json::parse(R"({"class_name":"Huber","config":{"delta":0.5,"reduction":null}})"));
  BOOST_REQUIRE(huber);
  test::check_close((*huber)(Tensor::matrix({{0, 1}, {0, 0}}), Tensor::matrix({{0.6f, 0.4f}, {0.4f, 0.6f}})),
                    Tensor::vector({0.175f, 0.1275f}));
  auto dice = deserialize_as<Dice>(json::parse(R"({"class_name":"Dice","config":{"axis":[1],"reduction":"sum"}})"));
  BOOST_REQUIRE(dice);
  // Per row: 1 - 2 * 1 / (1 + 1) = 0 and 1 - 0 / (1 + 0) = 1.
  BOOST_TEST((*dice)(Tensor::matrix({{1, 0}, {1, 0}}), Tensor::matrix({{1, 0}, {0, 0}})).item() == 1.0f);
}

BOOST_AUTO_TEST_CASE(function_forms_and_short_names) {
  for (const char* name :
       {"mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
        "cosine_similarity", "huber", "log_cosh", "hinge", "squared_hinge", "categorical_hinge", "kl_divergence",
        "poisson", "dice", "tversky", "circle"}) {
    const std::string text = std::string(R"({"module":"builtins","class_name":"function","config":")") + name +
                             R"(","registered_name":"function"})";
    BOOST_TEST(round_trip(text) == py(text));
  }
  const std::pair<const char*, const char*> aliases[] = {{"mse", "mean_squared_error"},
                                                         {"MSE", "mean_squared_error"},
                                                         {"mae", "mean_absolute_error"},
                                                         {"MAE", "mean_absolute_error"},
                                                         {"mape", "mean_absolute_percentage_error"},
                                                         {"MAPE", "mean_absolute_percentage_error"},
                                                         {"msle", "mean_squared_logarithmic_error"},
                                                         {"MSLE", "mean_squared_logarithmic_error"},
                                                         {"kld", "kl_divergence"},
                                                         {"KLD", "kl_divergence"}};
  for (const auto& [alias, target] : aliases) {
    const ObjectPtr loss = deserialize_object(boost::json::value(alias), Kind::loss);
    BOOST_REQUIRE(loss);
    BOOST_TEST(as_function(*loss)->name() == target);
  }
  // A function computes and reduces like its class.
  auto mse = deserialize_as<Loss>(boost::json::value("mse"));
  BOOST_TEST((*mse)(Tensor::matrix({{1, 2}, {3, 4}}), Tensor::matrix({{1, 1}, {1, 1}})).item() == 3.5f);
  auto circle_fn = deserialize_as<Loss>(boost::json::value("circle"));
  BOOST_TEST(circle_fn->call(Tensor::vector({1, 1}), Tensor::matrix({{1, 0}, {1, 0}})).size() == 2);
  // A class name gives an instance with the defaults, as losses.get does.
  auto huber = deserialize_as<Huber>(boost::json::value("Huber"));
  BOOST_REQUIRE(huber);
  BOOST_TEST(huber->delta() == 1.0);
}

BOOST_AUTO_TEST_CASE(bad_arguments_name_their_key) {
  BOOST_TEST(error_path(R"({"class_name":"MeanSquaredError","config":{"reduction":"avg"}})") == "config.reduction");
  BOOST_TEST(error_path(R"({"class_name":"Huber","config":{"delta":-1.0}})") == "config.delta");
  BOOST_TEST(error_path(R"({"class_name":"Huber","config":{"delta":"big"}})") == "config.delta");
  BOOST_TEST(error_path(R"({"class_name":"Dice","config":{"axis":"x"}})") == "config.axis");
  BOOST_TEST(error_path(R"({"class_name":"Dice","config":{"axis":[1, 1.5]}})") == "config.axis");
  BOOST_TEST(error_path(R"({"class_name":"CosineSimilarity","config":{"axis":null}})") == "config.axis");
  BOOST_TEST(error_path(R"({"class_name":"Tversky","config":{"alpha":[1]}})") == "config.alpha");
  BOOST_TEST(error_path(R"({"class_name":"Circle","config":{"remove_diagonal":1}})") == "config.remove_diagonal");
  BOOST_TEST(error_path(R"({"class_name":"Circle","config":{"gamma":NaN}})") == "config.gamma");
  BOOST_TEST(error_path(R"({"class_name":"Tversky","config":{"beta":Infinity}})") == "config.beta");
  BOOST_TEST(error_path(R"({"class_name":"Poisson","config":{"axis":-1}})") == "config.axis");  // not an argument
  BOOST_TEST(error_path(R"({"class_name":"LogCosh","config":{"dtype":"float16"}})") == "config.dtype");
  BOOST_CHECK_THROW(Huber(Number::real(std::nan(""))), ValueError);
  BOOST_CHECK_THROW(Tversky(Number::real(INFINITY)), ValueError);
  BOOST_CHECK_THROW(Circle(Number::real(80), Number::real(NAN)), ValueError);
  BOOST_CHECK_THROW(Dice("sum_over_everything"), ValueError);
}
