// Configs of the cross-entropy losses and CTC: Keras's keys, order, defaults and types,
// the function forms and aliases, and config errors.
#define BOOST_TEST_MODULE losses_crossentropy_configs
#include <boost/test/unit_test.hpp>

#include "kplug/json.hpp"
#include "kplug/losses/crossentropy.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

using namespace kplug;
namespace tt = boost::test_tools;

namespace {
std::string round_trip(const std::string& text) { return json::write(serialize(deserialize(json::parse(text)))); }
std::string fixture(const std::string& name) {
  return json::write(test::read_json(test::data_dir() / "objects" / (name + ".json")));
}
std::shared_ptr<Loss> loss_from(const std::string& text) { return deserialize_as<Loss>(json::parse(text)); }
}  // namespace

BOOST_AUTO_TEST_CASE(default_objects_serialize_as_keras_does) {
  BOOST_TEST(json::write(serialize(losses::BinaryCrossentropy())) == fixture("loss_BinaryCrossentropy"));
  BOOST_TEST(json::write(serialize(losses::BinaryFocalCrossentropy())) == fixture("loss_BinaryFocalCrossentropy"));
  BOOST_TEST(json::write(serialize(losses::CategoricalCrossentropy())) == fixture("loss_CategoricalCrossentropy"));
  BOOST_TEST(json::write(serialize(losses::CategoricalFocalCrossentropy())) ==
             fixture("loss_CategoricalFocalCrossentropy"));
  BOOST_TEST(json::write(serialize(losses::SparseCategoricalCrossentropy())) ==
             fixture("loss_SparseCategoricalCrossentropy"));
  BOOST_TEST(json::write(serialize(losses::CategoricalGeneralizedCrossEntropy())) ==
             fixture("loss_CategoricalGeneralizedCrossEntropy"));
  BOOST_TEST(json::write(serialize(losses::CTC())) == fixture("loss_CTC"));
  BOOST_TEST(json::write(serialize(losses::SparseCategoricalCrossentropy(true, -1))) ==
             fixture("loss_SparseCategoricalCrossentropy_from_logits_ignore"));
}

BOOST_AUTO_TEST_CASE(fixtures_round_trip) {
  for (const char* name :
       {"loss_BinaryCrossentropy", "loss_BinaryCrossentropy_from_logits", "loss_BinaryFocalCrossentropy",
        "loss_BinaryFocalCrossentropy_params", "loss_CTC", "loss_CategoricalCrossentropy",
        "loss_CategoricalCrossentropy_label_smoothing", "loss_CategoricalFocalCrossentropy",
        "loss_CategoricalGeneralizedCrossEntropy", "loss_SparseCategoricalCrossentropy",
        "loss_SparseCategoricalCrossentropy_from_logits_ignore", "loss_fn_binary_crossentropy",
        "loss_fn_binary_focal_crossentropy", "loss_fn_categorical_crossentropy",
        "loss_fn_categorical_focal_crossentropy", "loss_fn_categorical_generalized_cross_entropy", "loss_fn_ctc",
        "loss_fn_sparse_categorical_crossentropy"}) {
    BOOST_TEST(round_trip(fixture(name)) == fixture(name), name);
  }
}

BOOST_AUTO_TEST_CASE(numbers_keep_their_type_and_alpha_may_be_a_list) {
  const std::string ints =
      R"({"module": "keras.losses", "class_name": "BinaryFocalCrossentropy", "config": )"
      R"({"name": "bfce", "reduction": "sum", "from_logits": true, "label_smoothing": 0, )"
      R"("axis": 1, "apply_class_balancing": true, "alpha": 1, "gamma": 3}, "registered_name": null})";
  BOOST_TEST(round_trip(ints) == ints);
  const std::string list = R"({"module": "keras.losses", "class_name": "CategoricalFocalCrossentropy", "config": )"
                           R"({"name": "cfce", "reduction": null, "from_logits": false, "label_smoothing": 0.1, )"
                           R"("axis": -1, "alpha": [0.1, 2, 0.3], "gamma": 2.0}, "registered_name": null})";
  BOOST_TEST(round_trip(list) == list);
  // The list weighs each class; null reduction means no reduction.
  auto loss = loss_from(list);
  BOOST_TEST(loss->reduction() == "none");
  BOOST_TEST((*loss)(Tensor::matrix({{0, 1, 0}}), Tensor::matrix({{0.2f, 0.5f, 0.3f}})).shape() == (Shape{1}));
  const std::string q =
      R"({"module": "keras.losses", "class_name": "CategoricalGeneralizedCrossEntropy", )"
      R"("config": {"name": "gce", "reduction": "sum_over_batch_size", "q": 0.25}, "registered_name": null})";
  BOOST_TEST(round_trip(q) == q);
}

BOOST_AUTO_TEST_CASE(missing_keys_take_keras_defaults) {
  auto loss = loss_from(R"({"class_name": "BinaryCrossentropy", "config": {}})");
  BOOST_TEST(json::write(serialize(loss)) == fixture("loss_BinaryCrossentropy"));
  auto sparse = loss_from(R"({"class_name": "SparseCategoricalCrossentropy", "config": {"ignore_class": 3}})");
  BOOST_TEST(json::write(sparse->get_config()) ==
             R"({"name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size", )"
             R"("from_logits": false, "ignore_class": 3, "axis": -1})");
  // The config's arguments drive the computation.
  auto smoothed = loss_from(fixture("loss_CategoricalCrossentropy_label_smoothing"));
  BOOST_TEST((*smoothed)(Tensor::matrix({{0, 1, 0}}), Tensor::matrix({{0.2f, 0.7f, 0.1f}})).item() == 0.46329738f,
             tt::tolerance(1e-5f));
}

BOOST_AUTO_TEST_CASE(function_forms_and_aliases) {
  for (const char* name : {"binary_crossentropy", "bce", "BCE"}) {
    auto fn = deserialize_object(boost::json::value(name), Kind::loss);
    BOOST_REQUIRE(fn);
    BOOST_TEST(json::write(serialize(*fn)) == fixture("loss_fn_binary_crossentropy"), name);
    auto loss = std::dynamic_pointer_cast<Loss>(fn);
    BOOST_TEST(loss->call(Tensor::matrix({{0, 1}}), Tensor::matrix({{0.6f, 0.4f}}))[0] == 0.91629073f,
               tt::tolerance(1e-5f));
  }
  auto sparse = deserialize_object(boost::json::value("sparse_categorical_crossentropy"), Kind::loss);
  BOOST_TEST(std::dynamic_pointer_cast<Loss>(sparse)->call(Tensor::vector({1}), Tensor::matrix({{0.5f, 0.5f}}))[0] ==
                 0.69314718f,
             tt::tolerance(1e-5f));
  auto ctc = deserialize_as<Loss>(json::parse(fixture("loss_fn_ctc")));
  BOOST_TEST(ctc->call(Tensor::matrix({{1}}), Tensor({1, 2, 2}, {0.5f, 1.0f, 1.5f, -0.5f}))[0] == 0.40427090f,
             tt::tolerance(1e-5f));
  // Keras's function has no default q: calling it without one fails, as in Keras.
  auto gce = deserialize_as<Loss>(json::parse(fixture("loss_fn_categorical_generalized_cross_entropy")));
  BOOST_CHECK_THROW(gce->call(Tensor::vector({0}), Tensor::matrix({{1.0f, 0.0f}})), ValueError);
  // Class names resolve through the loss getter too.
  auto cls = deserialize_object(boost::json::value("CategoricalCrossentropy"), Kind::loss);
  BOOST_TEST(json::write(serialize(*cls)) == fixture("loss_CategoricalCrossentropy"));
}

BOOST_AUTO_TEST_CASE(config_errors) {
  const auto with = [](const std::string& class_name, const std::string& config) {
    return R"({"module": "keras.losses", "class_name": ")" + class_name + R"(", "config": )" + config + "}";
  };
  BOOST_CHECK_THROW(loss_from(with("BinaryCrossentropy", R"({"from_logit": true})")), ConfigError);
  BOOST_CHECK_THROW(loss_from(with("BinaryCrossentropy", R"({"from_logits": "yes"})")), ConfigError);
  BOOST_CHECK_THROW(loss_from(with("CategoricalCrossentropy", R"({"axis": "last"})")), ConfigError);
  BOOST_CHECK_THROW(loss_from(with("CategoricalCrossentropy", R"({"reduction": "average"})")), ConfigError);
  BOOST_CHECK_THROW(loss_from(with("CTC", R"({"dtype": "float16"})")), ConfigError);
  BOOST_CHECK_THROW(loss_from(with("CTC", R"({"blank_index": 0})")), ConfigError);
  BOOST_CHECK_THROW(loss_from(with("SparseCategoricalCrossentropy", R"({"ignore_class": 0.5})")), ConfigError);
  BOOST_CHECK_THROW(loss_from(with("CategoricalFocalCrossentropy", R"({"alpha": ["a"]})")), ConfigError);
  BOOST_CHECK_THROW(loss_from(with("CategoricalFocalCrossentropy", R"({"alpha": []})")), ConfigError);
  // Values outside the arguments' ranges.
  BOOST_CHECK_THROW(loss_from(with("BinaryCrossentropy", R"({"label_smoothing": 2})")), Error);
  BOOST_CHECK_THROW(loss_from(with("CategoricalGeneralizedCrossEntropy", R"({"q": 1.5})")), Error);
  BOOST_CHECK_THROW(loss_from(with("BinaryFocalCrossentropy", R"({"gamma": -2})")), Error);
  try {
    loss_from(with("BinaryCrossentropy", R"({"from_logit": true})"));
  } catch (const ConfigError& e) {
    BOOST_TEST(std::string(e.what()).find("from_logit") != std::string::npos);
  }
}
