// The shipped `addons` plugin: TF Addons losses and activations, values from the
// TF Addons documentation examples.
#define BOOST_TEST_MODULE addons
#include <boost/test/unit_test.hpp>

#include "kplug/activations.hpp"
#include "kplug/json.hpp"
#include "kplug/losses.hpp"
#include "kplug/plugin_host.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

using namespace kplug;

namespace {

struct AddonsLoaded {
  AddonsLoaded() { host.load(std::filesystem::path(KPLUG_PLUGIN_LIB_DIR) / "libkplug_addons.so"); }
  PluginHost host;
};

std::shared_ptr<Loss> loss(std::string_view class_name, std::string_view config) {
  const std::string text = R"({"module": "tensorflow_addons", "class_name": ")" + std::string(class_name) +
                           R"(", "config": )" + std::string(config) + R"(, "registered_name": "Addons>)" +
                           std::string(class_name) + R"("})";
  auto object = deserialize_as<Loss>(json::parse(text));
  BOOST_REQUIRE(object);
  BOOST_TEST(json::write(serialize(*object)) == json::write(json::parse(text)));  // exact round trip
  return object;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(addons, AddonsLoaded)

BOOST_AUTO_TEST_CASE(sigmoid_focal_crossentropy) {
  auto fl = loss("SigmoidFocalCrossEntropy",
                 R"({"reduction": "none", "name": "sigmoid_focal_crossentropy", "from_logits": false, "alpha": 0.25, "gamma": 2.0})");
  const Tensor values = (*fl)(Tensor::matrix({{1.0f}, {1.0f}, {0.0f}}), Tensor::matrix({{0.97f}, {0.91f}, {0.03f}}));
  test::check_close(values, Tensor::vector({6.8532745e-06f, 1.9097870e-04f, 2.0559824e-05f}), 1e-3f);
  // from_logits gives the same values for the logits of those probabilities.
  auto logits = loss("SigmoidFocalCrossEntropy",
                     R"({"reduction": "none", "name": "sigmoid_focal_crossentropy", "from_logits": true, "alpha": 0.25, "gamma": 2.0})");
  const Tensor x = Tensor::matrix({{0.97f}, {0.91f}, {0.03f}}).map([](float p) { return std::log(p / (1 - p)); });
  test::check_close((*logits)(Tensor::matrix({{1.0f}, {1.0f}, {0.0f}}), x), values, 1e-3f);
}

BOOST_AUTO_TEST_CASE(giou_loss) {
  auto gl = loss("GIoULoss", R"({"reduction": "auto", "name": "giou_loss", "mode": "giou"})");
  const Tensor truth = Tensor::matrix({{4.0f, 3.0f, 7.0f, 5.0f}, {5.0f, 6.0f, 10.0f, 7.0f}});
  const Tensor pred = Tensor::matrix({{3.0f, 4.0f, 6.0f, 8.0f}, {14.0f, 14.0f, 15.0f, 15.0f}});
  BOOST_TEST((*gl)(truth, pred).item() == 1.5041667f, boost::test_tools::tolerance(1e-5f));
  BOOST_TEST((*gl)(truth, truth).item() == 0.0f, boost::test_tools::tolerance(1e-6f));
  BOOST_CHECK_THROW((*gl)(truth, Tensor::vector({1, 2, 3})), ValueError);
}

BOOST_AUTO_TEST_CASE(contrastive_loss) {
  auto cl = loss("ContrastiveLoss", R"({"reduction": "none", "name": "contrastive_loss", "margin": 1.0})");
  test::check_close((*cl)(Tensor::vector({1.0f, 0.0f, 0.0f}), Tensor::vector({0.5f, 0.2f, 1.5f})),
                    Tensor::vector({0.25f, 0.64f, 0.0f}));
}

BOOST_AUTO_TEST_CASE(activations_and_bad_configs) {
  auto lisht = deserialize_as<Activation>(json::parse(
      R"({"module": "builtins", "class_name": "function", "config": "Addons>lisht", "registered_name": "function"})"));
  BOOST_TEST((*lisht)(Tensor::vector({1.0f}))[0] == std::tanh(1.0f), boost::test_tools::tolerance(1e-6f));
  BOOST_CHECK_THROW(loss("GIoULoss", R"({"reduction": "auto", "name": "g", "mode": "diou"})"), ConfigError);
  BOOST_CHECK_THROW(loss("ContrastiveLoss", R"({"reduction": "auto", "name": "c", "margin": 1.0, "p": 2})"), ConfigError);
}

BOOST_AUTO_TEST_SUITE_END()
