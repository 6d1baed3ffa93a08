// The shipped `addons` plugin: TF Addons losses and activations, values from the
// TF Addons documentation examples; its layers (WeightNormalization, InstanceNormalization)
// against values worked out from TF Addons' formulas, config round trips and the
// .weights.h5 paths of save_weights / load_weights.
#define BOOST_TEST_MODULE addons
#include <boost/test/unit_test.hpp>

#include "kplug/activations.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/losses.hpp"
#include "kplug/models/model.hpp"
#include "kplug/plugin_host.hpp"
#include "kplug/saving/h5_weights_store.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <unistd.h>

#include <cmath>
#include <map>

using namespace kplug;

namespace {

struct AddonsLoaded {
  AddonsLoaded() {
    host.load(std::filesystem::path(KPLUG_PLUGIN_LIB_DIR) / "libkplug_addons.so");
    reset_object_names();
  }
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

const std::string kDType =
    R"({"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null})";

// A Dense as Keras writes it (Ones kernel, Zeros bias), `extra` appended to the object dict.
std::string dense_json(int units, const std::string& activation, const std::string& extra = "") {
  return R"({"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "trainable": true, "dtype": )" +
         kDType + R"(, "units": )" + std::to_string(units) + R"(, "activation": ")" + activation +
         R"(", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null, "quantization_config": null}, "registered_name": null)" +
         extra + "}";
}

std::string weight_norm_json(const std::string& layer, bool data_init, const std::string& extra = "") {
  return R"({"module": "tensorflow_addons", "class_name": "WeightNormalization", "config": {"name": "wn", "trainable": true, "dtype": )" +
         kDType + R"(, "layer": )" + layer + R"(, "data_init": )" + (data_init ? "true" : "false") +
         R"(}, "registered_name": "Addons>WeightNormalization")" + extra + "}";
}

std::string instance_norm_json(const std::string& fields, const std::string& extra = "") {
  return R"({"module": "tensorflow_addons", "class_name": "InstanceNormalization", "config": {"name": "instance_normalization", "trainable": true, "dtype": )" +
         kDType + ", " + fields + R"(}, "registered_name": "Addons>InstanceNormalization")" + extra + "}";
}

const std::string kInstanceFields =
    R"("groups": -1, "axis": -1, "epsilon": 0.001, "center": true, "scale": true, "beta_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "gamma_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}, "beta_regularizer": null, "gamma_regularizer": null, "beta_constraint": null, "gamma_constraint": null)";

std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, "no '" << from << "'");
  return text.replace(at, from.size(), to);
}

LayerPtr layer_from(const std::string& text) {
  LayerPtr layer = deserialize_as<Layer>(json::parse(text));
  BOOST_REQUIRE(layer);
  return layer;
}

using kplug::test::contains;
using kplug::test::error_of;

// TF Addons' instance normalization written out: per sample b and channel c (along `axis`),
// over the other axes, (x - mean) / sqrt(var + eps) * gamma[c] + beta[c]. x is (B, N, C) or,
// with axis 1, (B, C, N).
Tensor instance_norm_reference(const Tensor& x, int axis, float eps, const std::vector<float>& gamma,
                               const std::vector<float>& beta) {
  const auto& s = x.shape();
  const std::int64_t batch = s[0], channels = axis == 1 ? s[1] : s[2], steps = axis == 1 ? s[2] : s[1];
  auto at = [&](std::int64_t b, std::int64_t c, std::int64_t n) {
    return axis == 1 ? (b * channels + c) * steps + n : (b * steps + n) * channels + c;
  };
  std::vector<float> out(static_cast<std::size_t>(x.size()));
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t c = 0; c < channels; ++c) {
      double mean = 0, var = 0;
      for (std::int64_t n = 0; n < steps; ++n) mean += x[at(b, c, n)];
      mean /= static_cast<double>(steps);
      for (std::int64_t n = 0; n < steps; ++n) var += (x[at(b, c, n)] - mean) * (x[at(b, c, n)] - mean);
      var /= static_cast<double>(steps);
      for (std::int64_t n = 0; n < steps; ++n) {
        out[static_cast<std::size_t>(at(b, c, n))] =
            static_cast<float>((x[at(b, c, n)] - mean) / std::sqrt(var + eps) * gamma[static_cast<std::size_t>(c)] +
                               beta[static_cast<std::size_t>(c)]);
      }
    }
  }
  return Tensor(s, std::move(out));
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(addons, AddonsLoaded)

BOOST_AUTO_TEST_CASE(instance_normalization_values) {
  const Tensor x({2, 3, 2}, std::vector<float>{1, 10, 2, -4, 3, 7, 0.5f, 0, -1, 0, 2, 9});
  LayerPtr norm = layer_from(instance_norm_json(kInstanceFields));
  // One sample, channel 0: [1, 2, 3] -> mean 2, variance 2/3 -> [-1, 0, 1] / sqrt(2/3 + 1e-3).
  const Tensor y = (*norm)(x);
  const float unit = 1.0f / std::sqrt(2.0f / 3.0f + 1e-3f);
  BOOST_TEST(y[0] == -unit, boost::test_tools::tolerance(1e-5f));
  BOOST_TEST(y[2] == 0.0f, boost::test_tools::tolerance(1e-5f));
  BOOST_TEST(y[4] == unit, boost::test_tools::tolerance(1e-5f));
  // Weights gamma then beta, one per channel.
  BOOST_REQUIRE_EQUAL(norm->weights().size(), 2u);
  BOOST_CHECK_EQUAL(norm->weights()[0]->name(), "gamma");
  BOOST_CHECK_EQUAL(norm->weights()[1]->name(), "beta");
  norm->set_weights({Tensor::vector({2.0f, -0.5f}), Tensor::vector({0.25f, 1.0f})});
  test::check_close((*norm)(x), instance_norm_reference(x, -1, 1e-3f, {2.0f, -0.5f}, {0.25f, 1.0f}));
  // axis=1 (channels first), another epsilon, no center: gamma only.
  LayerPtr first = layer_from(instance_norm_json(
      with(with(with(kInstanceFields, R"("axis": -1)", R"("axis": 1)"), R"("epsilon": 0.001)", R"("epsilon": 0.5)"),
           R"("center": true)", R"("center": false)")));
  const Tensor xc({2, 2, 3}, std::vector<float>{1, 2, 3, -4, 10, 7, 0.5f, -1, 2, 0, 0, 9});
  const Tensor yc = (*first)(xc);
  BOOST_REQUIRE_EQUAL(first->weights().size(), 1u);
  test::check_close(yc, instance_norm_reference(xc, 1, 0.5f, {1, 1}, {0, 0}));
  // No spatial axis left (rank 2): TF's moments give mean = x, variance = 0, so beta remains.
  LayerPtr flat = layer_from(instance_norm_json(kInstanceFields));
  (*flat)(Tensor::matrix({{1, 2}}));
  flat->set_weights({Tensor::vector({3, 3}), Tensor::vector({0.5f, -2})});
  test::check_close((*flat)(Tensor::matrix({{1, 2}, {7, -1}})), Tensor::matrix({{0.5f, -2}, {0.5f, -2}}));
}

BOOST_AUTO_TEST_CASE(instance_normalization_config) {
  // Unbuilt: groups -1 as InstanceNormalization sets it; built: one group per channel (TF Addons).
  const std::string text = instance_norm_json(kInstanceFields);
  BOOST_CHECK_EQUAL(json::write(serialize_layer(*layer_from(text))), json::write(json::parse(text)));
  const std::string built = instance_norm_json(kInstanceFields, R"(, "build_config": {"input_shape": [null, 4, 3]})");
  LayerPtr layer = layer_from(built);
  BOOST_CHECK(layer->built());
  BOOST_CHECK_EQUAL(json::write(serialize_layer(*layer)),
                    json::write(json::parse(with(built, R"("groups": -1)", R"("groups": 3)"))));
  // Any groups value given is replaced (InstanceNormalization.__init__ overwrites it).
  BOOST_CHECK_EQUAL(json::write(serialize_layer(*layer_from(with(text, R"("groups": -1)", R"("groups": 5)")))),
                    json::write(json::parse(text)));
  BOOST_CHECK(contains(error_of<ConfigError>([&] { layer_from(with(text, R"("axis": -1)", R"("axis": 0)")); }),
                       "You are trying to normalize your batch axis"));
  BOOST_CHECK(contains(
      error_of<ConfigError>([&] { layer_from(with(text, R"("epsilon": 0.001)", R"("epsilon": -1)")); }), "epsilon"));
  BOOST_CHECK(contains(error_of<ConfigError>([&] { layer_from(with(text, R"("center": true)", R"("centre": true)")); }),
                       "centre"));
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         layer_from(instance_norm_json(kInstanceFields,
                                                       R"(, "build_config": {"input_shape": [null, 4, null]})"));
                       }),
                       "should have a defined dimension"));
}

BOOST_AUTO_TEST_CASE(weight_normalization_values) {
  LayerPtr wn = layer_from(weight_norm_json(dense_json(2, "linear", R"(, "build_config": {"input_shape": [null, 2]})"),
                                            true, R"(, "build_config": {"input_shape": [null, 2]})"));
  // Keras's order: own trainable g, own non-trainable initialized, then the wrapped layer's.
  auto weights = wn->weights();
  BOOST_REQUIRE_EQUAL(weights.size(), 4u);
  BOOST_CHECK_EQUAL(weights[0]->path(), "wn/g");
  BOOST_CHECK_EQUAL(weights[1]->name(), "initialized");
  BOOST_CHECK(!weights[1]->trainable());
  BOOST_CHECK(weights[1]->shape().empty());
  BOOST_CHECK_EQUAL(weights[2]->path(), "dense/kernel");
  // v = [[3, 0], [4, 2]]: column norms 5 and 2; g = [10, 0.5] -> kernel [[6, 0], [8, 0.5]].
  const Tensor v = Tensor::matrix({{3, 0}, {4, 2}});
  wn->set_weights({Tensor::vector({10, 0.5f}), Tensor(Shape{}, 1.0f), v, Tensor::vector({1, -1})});
  test::check_close((*wn)(Tensor::matrix({{1, 1}, {2, -1}})), Tensor::matrix({{15, -0.5f}, {5, -1.5f}}));
  BOOST_CHECK(wn->get_weights()[2] == v);  // the wrapped layer keeps v
  BOOST_CHECK(wn->get_weights()[0] == Tensor::vector({10, 0.5f}));
  // The wrapped layer alone still computes with v.
  auto& dense = *wn->sublayers().at(0);
  test::check_close(dense(Tensor::matrix({{1, 1}})), Tensor::matrix({{8, 1}}));
  // data_init=True, never initialized: TF Addons would initialize from the batch; kplug refuses.
  wn->set_weights({Tensor::vector({10, 0.5f}), Tensor(Shape{}, 0.0f), v, Tensor::vector({1, -1})});
  BOOST_CHECK(contains(error_of<NotSupportedError>([&] { (*wn)(Tensor::matrix({{1, 1}})); }), "data_init=True"));
}

BOOST_AUTO_TEST_CASE(weight_normalization_norm_init_and_config) {
  // data_init=False: the first call sets g = ||v|| (TF Addons' _init_norm), so it computes with v.
  const std::string text = weight_norm_json(dense_json(2, "relu"), false);
  LayerPtr wn = layer_from(text);
  BOOST_CHECK_EQUAL(json::write(serialize_layer(*wn)), json::write(json::parse(text)));
  wn->maybe_build({PartialShape{std::nullopt, 2}});
  const Tensor v = Tensor::matrix({{3, 0}, {4, 2}});
  wn->set_weights({Tensor::vector({7, 7}), Tensor(Shape{}, 0.0f), v, Tensor::vector({0, -10})});
  test::check_close((*wn)(Tensor::matrix({{1, 1}})), Tensor::matrix({{7, 0}}));  // relu([7, 2] + [0, -10])
  test::check_close(wn->get_weights()[0], Tensor::vector({5, 2}));
  BOOST_CHECK_EQUAL(wn->get_weights()[1].item(), 1.0f);
  // Built through a call: the wrapper and the wrapped layer both write their build_config.
  const auto written = serialize_layer(*wn);
  BOOST_CHECK(written.at("build_config").at("input_shape") == json::parse("[null, 2]"));
  BOOST_CHECK(written.at("config").at("layer").at("build_config").at("input_shape") == json::parse("[null, 2]"));
  BOOST_CHECK(layer_from(json::write(written))->built());
  // Errors: a layer without a kernel, a missing layer.
  const std::string norm =
      R"({"module": "keras.layers", "class_name": "LayerNormalization", "config": {"name": "ln", "trainable": true, "dtype": )" +
      kDType +
      R"(, "axis": -1, "epsilon": 0.001, "center": true, "scale": true, "rms_scaling": false, "beta_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "gamma_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}, "beta_regularizer": null, "gamma_regularizer": null, "beta_constraint": null, "gamma_constraint": null}, "registered_name": null})";
  LayerPtr bad = layer_from(weight_norm_json(norm, false));
  BOOST_CHECK(contains(error_of<ValueError>([&] {
                         bad->maybe_build({PartialShape{std::nullopt, 2}});
                       }),
                       "must wrap a layer that contains a `kernel`"));
  auto missing = json::parse(text);
  missing.at("config").as_object().erase("layer");
  BOOST_CHECK(contains(error_of<ConfigError>([&] { deserialize_as<Layer>(missing); }), "layer"));
  // An unknown class inside names its path.
  BOOST_CHECK(contains(error_of<UnknownObjectError>(
                           [&] { layer_from(with(text, R"("class_name": "Dense")", R"("class_name": "Dens")")); }),
                       "config.layer"));
}

// save_weights / load_weights through a .weights.h5: the wrapped layer's weights sit under
// the wrapper's attribute name "layer"; a fresh model loads them and predicts the same.
BOOST_AUTO_TEST_CASE(addons_layers_weights_file_round_trip) {
  const std::string text =
      R"({"module": "keras", "class_name": "Sequential", "config": {"name": "seq", "trainable": true, "dtype": )" +
      kDType +
      R"(, "layers": [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 3, 2], "dtype": "float32", "sparse": false, "ragged": false, "name": "input_layer", "optional": false}, "registered_name": null}, )" +
      weight_norm_json(dense_json(4, "tanh", R"(, "build_config": {"input_shape": [null, 3, 2]})"), false,
                       R"(, "build_config": {"input_shape": [null, 3, 2]})") +
      ", " + instance_norm_json(kInstanceFields, R"(, "build_config": {"input_shape": [null, 3, 4]})") +
      R"(], "build_input_shape": [null, 3, 2]}, "registered_name": null, "build_config": {"input_shape": [null, 3, 2]}})";
  ModelPtr model = model_from_json(text);
  auto weights = model->get_weights();
  BOOST_REQUIRE_EQUAL(weights.size(), 6u);
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (weights[i].rank() == 0) continue;
    std::vector<float> values(static_cast<std::size_t>(weights[i].size()));
    for (std::size_t k = 0; k < values.size(); ++k) values[k] = 0.1f * static_cast<float>((k * 7 + i * 3) % 11) - 0.4f;
    weights[i] = Tensor(weights[i].shape(), std::move(values));
  }
  weights[1] = Tensor(Shape{}, 1.0f);
  model->set_weights(weights);
  const Tensor x({2, 3, 2}, std::vector<float>{0.5f, -1, 2, 0, 1, 1, -2, 3, 0.25f, 0, 1, -1});
  const Tensor expected = model->predict({x})[0];

  const auto file =
      std::filesystem::temp_directory_path() / ("kplug_addons_" + std::to_string(::getpid()) + ".weights.h5");
  saving::save_weights(*model, file);
  auto store = saving::read_weights_file(file);
  std::map<std::string, Shape> paths;
  for (const auto& path : store->dataset_paths()) paths.emplace(path, store->dataset(path).shape());
  const std::map<std::string, Shape> keras_paths{
      {"layers/weight_normalization/vars/0", {4}},          {"layers/weight_normalization/vars/1", {}},
      {"layers/weight_normalization/layer/vars/0", {2, 4}}, {"layers/weight_normalization/layer/vars/1", {4}},
      {"layers/instance_normalization/vars/0", {4}},        {"layers/instance_normalization/vars/1", {4}}};
  BOOST_CHECK(paths == keras_paths);

  ModelPtr fresh = model_from_json(text);
  saving::load_weights(*fresh, file);
  BOOST_CHECK(fresh->predict({x})[0] == expected);
  auto loaded = fresh->get_weights();
  for (std::size_t i = 0; i < loaded.size(); ++i) BOOST_CHECK(loaded[i] == weights[i]);
  std::filesystem::remove(file);
}

BOOST_AUTO_TEST_CASE(sigmoid_focal_crossentropy) {
  auto fl = loss(
      "SigmoidFocalCrossEntropy",
      R"({"reduction": "none", "name": "sigmoid_focal_crossentropy", "from_logits": false, "alpha": 0.25, "gamma": 2.0})");
  const Tensor values = (*fl)(Tensor::matrix({{1.0f}, {1.0f}, {0.0f}}), Tensor::matrix({{0.97f}, {0.91f}, {0.03f}}));
  test::check_close(values, Tensor::vector({6.8532745e-06f, 1.9097870e-04f, 2.0559824e-05f}), 1e-3f);
  // from_logits gives the same values for the logits of those probabilities.
  auto logits = loss(
      "SigmoidFocalCrossEntropy",
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
  BOOST_CHECK_THROW(loss("ContrastiveLoss", R"({"reduction": "auto", "name": "c", "margin": 1.0, "p": 2})"),
                    ConfigError);
}

BOOST_AUTO_TEST_SUITE_END()
