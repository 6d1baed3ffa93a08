// Functional graphs of issue 20: constants in call arguments (`__tensor__` / `__numpy__`
// arrays, Python numbers) with broadcasting; nested models used as layers (called once or
// shared), their node indices resolved as Keras 3.16 resolves them; every custom object a
// model lacks named at once. The fixtures (tests/data/models/graph_*, siamese_*,
// nested_functional_once) come from real Keras (tools/fixtures/graph_fixtures.py); the
// values here are worked out by hand.
#define BOOST_TEST_MODULE graph_models
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/models/model.hpp"
#include "model_support.hpp"
#include "test_support.hpp"

#include <cmath>
#include <string>

using namespace kplug;
using test::check_close;
using test::contains;
using test::error_of;

namespace {

std::string fixture_text(const std::string& name) { return test::read_text(test::model_dir(name) / "model.json"); }

// `text` with its first `from` replaced by `to` (the edit must apply).
std::string edited(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, "no '" << from << "' to edit");
  return text.replace(at, from.size(), to);
}

Tensor matrix_3x2(float a, float b, float c, float d, float e, float f) {
  return Tensor::matrix({{a, b}, {c, d}, {e, f}});
}

}  // namespace

// ---- constants ----------------------------------------------------------------------------

// x (None, 1, 3) + table (4, 3) -> (None, 4, 3); * 2.0; * [1, -1, 0.5]; 1.0 - y; Dense.
BOOST_AUTO_TEST_CASE(constant_table_scalar_and_vector_broadcast) {
  const std::string text = fixture_text("graph_constants_ops");
  ModelPtr model = model_from_json(text);
  BOOST_TEST(model->output_shapes().at(0).to_string() == "(None, 4, 2)");
  model->get_layer("head")->set_weights({matrix_3x2(1, 0, 0, 1, 0, 0), Tensor({2})});
  Tensor x({1, 1, 3});
  x.at({0, 0, 0}) = 1.0f;
  x.at({0, 0, 1}) = 2.0f;
  x.at({0, 0, 2}) = 3.0f;
  const Tensor y = model->predict({x}).at(0);
  BOOST_REQUIRE(y.shape() == Shape({1, 4, 2}));
  // Row r of the table is [0.3r, 0.3r + 0.1, 0.3r + 0.2]: x + t = [1 + 0.3r, 2.1 + 0.3r, ...];
  // 1 - 2 (x + t) * [1, -1] = [-1 - 0.6r, 5.2 + 0.6r].
  for (int r = 0; r < 4; ++r) {
    BOOST_TEST(std::abs(y.at({0, r, 0}) - (-1.0f - 0.6f * r)) < 1e-5f, "row " << r);
    BOOST_TEST(std::abs(y.at({0, r, 1}) - (5.2f + 0.6f * r)) < 1e-5f, "row " << r);
  }
  BOOST_TEST(model->to_json() == text);
}

// Keras writes numpy arrays as __numpy__ (on backends whose tensors are not numpy arrays):
// the same values, written back as __numpy__.
BOOST_AUTO_TEST_CASE(numpy_arrays_as_constants) {
  const std::string tensor_text = fixture_text("graph_constants_ops");
  std::string numpy_text = tensor_text;
  for (std::size_t at; (at = numpy_text.find("\"__tensor__\"")) != std::string::npos;) {
    numpy_text.replace(at, 12, "\"__numpy__\"");
  }
  ModelPtr a = model_from_json(tensor_text);
  ModelPtr b = model_from_json(numpy_text);
  BOOST_TEST(b->to_json() == numpy_text);
  const auto weights = a->get_layer("head")->get_weights();
  b->get_layer("head")->set_weights(weights);
  Tensor x({2, 1, 3});
  for (int i = 0; i < 6; ++i) x.values()[static_cast<std::size_t>(i)] = 0.5f * static_cast<float>(i) - 1.0f;
  check_close(b->predict({x}).at(0), a->predict({x}).at(0), 0.0f);
}

// An int32 __tensor__ keeps its dtype: x + [1, 2, 3] (int) promotes to float32 as Keras's.
BOOST_AUTO_TEST_CASE(integer_constant_array) {
  std::string text = edited(fixture_text("graph_constants_ops"), R"({"value": [1.0, -1.0, 0.5], "dtype": "float32"})",
                            R"({"value": [1, -1, 2], "dtype": "int32"})");
  ModelPtr model = model_from_json(text);
  BOOST_TEST(model->to_json() == text);
  model->get_layer("head")->set_weights({matrix_3x2(0, 0, 0, 0, 1, 0), Tensor({2})});
  Tensor x({1, 1, 3});
  x.at({0, 0, 2}) = 3.0f;
  // Column 2 of row 0: 1 - 2 (3 + 0.2) * 2 = -11.8.
  BOOST_TEST(std::abs(model->predict({x}).at(0).at({0, 0, 0}) - (-11.8f)) < 1e-5f);
}

// A constant keyword argument of a layer call: MultiHeadAttention's causal attention_mask.
// Position t attends to positions <= t only, so changing the last step changes only the
// last output.
BOOST_AUTO_TEST_CASE(constant_attention_mask_of_a_layer_call) {
  ModelPtr model = model_from_json(fixture_text("graph_constants_layer_kwarg"));
  test::load_fixture_weights(*model, test::model_dir("graph_constants_layer_kwarg"));
  Tensor x({1, 4, 3});
  for (int i = 0; i < 12; ++i) x.values()[static_cast<std::size_t>(i)] = std::sin(static_cast<float>(i));
  Tensor changed = x.clone();
  for (int j = 0; j < 3; ++j) changed.at({0, 3, j}) += 1.0f;
  const Tensor a = model->predict({x}).at(0);
  const Tensor b = model->predict({changed}).at(0);
  for (int t = 0; t < 3; ++t) {
    for (int j = 0; j < 3; ++j) BOOST_TEST(a.at({0, t, j}) == b.at({0, t, j}), "step " << t);
  }
  BOOST_TEST(std::abs(a.at({0, 3, 0}) - b.at({0, 3, 0})) + std::abs(a.at({0, 3, 1}) - b.at({0, 3, 1})) > 1e-4f);
}

BOOST_AUTO_TEST_CASE(constant_errors_name_the_argument) {
  const std::string text = fixture_text("graph_constants_ops");
  // A dtype numpy has not: the node argument's path.
  const std::string dtype = error_of<ConfigError>([&] {
    model_from_json(edited(text, R"("dtype": "float32"}}], "kwargs")", R"("dtype": "float99"}}], "kwargs")"));
  });
  BOOST_TEST(contains(dtype, "config.layers[1].inbound_nodes[0].args[1]"), dtype);
  BOOST_TEST(contains(dtype, "float99"), dtype);
  // A plain positional value passed to a layer (not a keras.ops operation) is refused, named.
  const std::string head =
      edited(text, R"("keras_history": ["subtract", 0, 0]}}])", R"("keras_history": ["subtract", 0, 0]}}, 2.0])");
  const std::string layer = error_of<NotSupportedError>([&] { model_from_json(head); });
  BOOST_TEST(contains(layer, "config.layers[5].inbound_nodes[0].args: layer 'head' (Dense)"), layer);
}

// ---- nested models as layers --------------------------------------------------------------

namespace {

// enc_dense of the nested encoder: kernel [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]], bias 0.
void set_encoder(Model& model) {
  auto encoder = std::dynamic_pointer_cast<Model>(model.get_layer("encoder"));
  BOOST_REQUIRE(encoder);
  encoder->get_layer("enc_dense")
      ->set_weights({Tensor::matrix({{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 1}}), Tensor({4})});
}

// Both siamese models: outputs [enc(a) - enc(b), enc(b)], enc = tanh(x W).
void check_siamese(const std::string& name) {
  const std::string text = fixture_text(name);
  ModelPtr model = model_from_json(text);
  BOOST_TEST(model->to_json() == text);
  set_encoder(*model);
  const auto out = model->predict({Tensor::matrix({{0.5f, 0, 1}}), Tensor::matrix({{0, -1, 0.25f}})});
  BOOST_REQUIRE_EQUAL(out.size(), 2u);
  const float t = std::tanh(0.25f);
  check_close(out[1], Tensor::matrix({{0, std::tanh(-1.0f), t, t}}));
  check_close(out[0], Tensor::matrix({{std::tanh(0.5f), -std::tanh(-1.0f), std::tanh(1.0f) - t, std::tanh(1.0f) - t}}));
}

}  // namespace

// Keras numbers a nested Functional's calls from 0 in call arguments ("diff" reads
// encoder nodes 0 and 1) and from 1 in output_layers (["encoder", 2, 0]: the second call).
BOOST_AUTO_TEST_CASE(siamese_with_a_shared_nested_functional) {
  const std::string text = fixture_text("siamese_functional");
  BOOST_REQUIRE(contains(text, R"("keras_history": ["encoder", 1, 0])"));
  BOOST_REQUIRE(contains(text, R"(["encoder", 2, 0]]})"));
  check_siamese("siamese_functional");
}

// A nested Sequential is numbered from 0 everywhere (it is no Functional subclass in Keras).
BOOST_AUTO_TEST_CASE(siamese_with_a_shared_nested_sequential) {
  BOOST_REQUIRE(contains(fixture_text("siamese_sequential"), R"(["encoder", 1, 0]]})"));
  check_siamese("siamese_sequential");
}

BOOST_AUTO_TEST_CASE(nested_functional_called_once) {
  const std::string text = fixture_text("nested_functional_once");
  ModelPtr model = model_from_json(text);
  BOOST_TEST(model->to_json() == text);
  set_encoder(*model);  // relu here
  model->get_layer("head")->set_weights({Tensor::matrix({{1, 0}, {0, 1}, {1, 0}, {0, 1}}), Tensor::vector({0, 1})});
  // enc = relu([2, -1, 3, 3]) = [2, 0, 3, 3]; head = [2 + 3, 0 + 3 + 1].
  check_close(model->predict({Tensor::matrix({{2, -1, 3}})}).at(0), Tensor::matrix({{5, 4}}));
}

namespace {

// Keras 2's form of a node argument as kplug's legacy reader leaves it: no shape or dtype, and
// a nested Functional's calls numbered from 1 (its own node was 0).
void as_keras2_reference(boost::json::value& v, const std::string& nested) {
  if (auto* o = v.if_object()) {
    const auto* c = o->if_contains("class_name");
    if (c && c->is_string() && c->get_string() == "__keras_tensor__") {
      auto& config = o->at("config").as_object();
      config.erase("shape");
      config.erase("dtype");
      auto& history = config.at("keras_history").as_array();
      if (history[0].as_string() == nested) history[1] = history[1].as_int64() + 1;
      return;
    }
    for (auto& item : *o) as_keras2_reference(item.value(), nested);
  } else if (auto* a = v.if_array()) {
    for (auto& item : *a) as_keras2_reference(item, nested);
  }
}

}  // namespace

// The same siamese graph with Keras 2 references loads and is written back as Keras 3 writes it.
BOOST_AUTO_TEST_CASE(keras2_references_to_a_nested_functional_are_written_as_keras3) {
  const std::string text = fixture_text("siamese_functional");
  boost::json::value doc = json::parse(text);
  for (auto& layer : doc.at("config").at("layers").as_array()) {
    as_keras2_reference(layer.as_object().at("inbound_nodes"), "encoder");
  }
  BOOST_REQUIRE(contains(json::write(doc), R"({"keras_history": ["encoder", 2, 0]})"));
  ModelPtr model = model_from_config(doc);
  BOOST_TEST(model->to_json() == text);
}

BOOST_AUTO_TEST_CASE(nested_model_indices_out_of_range_name_the_valid_ones) {
  const std::string text = fixture_text("siamese_functional");
  const std::string arg = error_of<ConfigError>([&] {
    model_from_json(edited(text, R"("keras_history": ["encoder", 1, 0])", R"("keras_history": ["encoder", 2, 0])"));
  });
  BOOST_TEST(contains(arg, "node index 2 is out of range for layer 'encoder', which has nodes 0..1"), arg);
  const std::string output =
      error_of<ConfigError>([&] { model_from_json(edited(text, R"(["encoder", 2, 0]]})", R"(["encoder", 0, 0]]})")); });
  BOOST_TEST(contains(output, "config.output_layers[1][1]"), output);
  BOOST_TEST(contains(output, "node index 0 is out of range for layer 'encoder', which has nodes 1..2"), output);
}

// ---- custom objects nothing provides ------------------------------------------------------

namespace {

// mlp_seq with its two Dense layers renamed to custom classes of two packages, and a
// custom kernel regularizer of the first package on the second.
std::string two_unknown_classes() {
  std::string text = fixture_text("mlp_seq");
  text = edited(text, R"("module": "keras.layers", "class_name": "Dense", "config": {"name": "dense")",
                R"("module": "my_layers", "class_name": "Foo", "config": {"name": "dense")");
  text = edited(text, R"("module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_1")",
                R"("module": "my_layers", "class_name": "Bar", "config": {"name": "dense_1")");
  const std::string registered = R"("registered_name": null, "build_config")";
  text = edited(text, registered, R"("registered_name": "pkg_a>Foo", "build_config")");
  text = edited(text, registered, R"("registered_name": "pkg_b>Bar", "build_config")");
  return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_missing_custom_class_is_named_at_once) {
  const std::string m = error_of<UnknownObjectError>([] { model_from_json(two_unknown_classes()); });
  BOOST_TEST(contains(m, "the model needs 2 custom object(s)"), m);
  BOOST_TEST(contains(m, "'pkg_a>Foo' used at config.layers[1] ('dense')"), m);
  BOOST_TEST(contains(m, "'pkg_b>Bar' used at config.layers[3] ('dense_1')"), m);
  BOOST_TEST(contains(m, "kplug inspect"), m);
  // The deserializer's own message for the first one is kept.
  BOOST_TEST(contains(m, "Could not locate class 'Foo' (registered_name 'pkg_a>Foo')"), m);
  BOOST_TEST(m.starts_with("config.layers[1]: "), m);
}

// One missing object used once: the deserializer's message, unchanged.
BOOST_AUTO_TEST_CASE(one_missing_custom_class_keeps_its_message) {
  std::string text = edited(fixture_text("mlp_seq"),
                            R"("module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_1")",
                            R"("module": "my_layers", "class_name": "Bar", "config": {"name": "dense_1")");
  const std::string registered = R"("registered_name": null, "build_config")";
  text.replace(text.find(registered, text.find(R"("name": "dense_1")")), registered.size(),
               R"("registered_name": "pkg_b>Bar", "build_config")");
  const std::string m = error_of<UnknownObjectError>([&] { model_from_json(text); });
  BOOST_TEST(m.starts_with("config.layers[3]: Could not locate class 'Bar' (registered_name 'pkg_b>Bar')."), m);
  BOOST_TEST(!contains(m, "custom object(s)"), m);
}
