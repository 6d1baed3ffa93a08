// keras.activations values against numbers worked out by hand or with python's math
// module from the Keras 3 formulas (keras/src/backend/numpy/nn.py), plus axis
// handling, edge cases and (de)serialization of the built-in functions.
#define BOOST_TEST_MODULE activations
#include <boost/test/unit_test.hpp>

#include "kplug/activations.hpp"
#include "kplug/json.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

using namespace kplug;
namespace act = kplug::activations;
using test::check_close;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

Tensor V(std::initializer_list<float> values) { return Tensor::vector(values); }

bool all_nan(const Tensor& t) {
  for (float v : t.values()) {
    if (!std::isnan(v)) return false;
  }
  return true;
}

// Every element-wise activation with its Keras defaults, by name.
std::vector<std::pair<std::string, std::function<Tensor(const Tensor&)>>> element_wise() {
  return {
      {"celu", [](const Tensor& x) { return act::celu(x); }},
      {"elu", [](const Tensor& x) { return act::elu(x); }},
      {"exponential", act::exponential},
      {"gelu", [](const Tensor& x) { return act::gelu(x); }},
      {"gelu_approximate", [](const Tensor& x) { return act::gelu(x, true); }},
      {"hard_shrink", [](const Tensor& x) { return act::hard_shrink(x); }},
      {"hard_sigmoid", act::hard_sigmoid},
      {"hard_silu", act::hard_silu},
      {"hard_tanh", act::hard_tanh},
      {"leaky_relu", [](const Tensor& x) { return act::leaky_relu(x); }},
      {"linear", act::linear},
      {"log_sigmoid", act::log_sigmoid},
      {"mish", act::mish},
      {"relu", [](const Tensor& x) { return act::relu(x); }},
      {"relu_all_options", [](const Tensor& x) { return act::relu(x, 0.5f, 8.0f, 5.0f); }},
      {"relu6", act::relu6},
      {"selu", act::selu},
      {"sigmoid", act::sigmoid},
      {"silu", act::silu},
      {"soft_shrink", [](const Tensor& x) { return act::soft_shrink(x); }},
      {"softplus", act::softplus},
      {"softsign", act::softsign},
      {"sparse_plus", act::sparse_plus},
      {"sparse_sigmoid", act::sparse_sigmoid},
      {"squareplus", [](const Tensor& x) { return act::squareplus(x); }},
      {"tanh", act::tanh},
      {"tanh_shrink", act::tanh_shrink},
      {"threshold", [](const Tensor& x) { return act::threshold(x, 1.0f, -7.0f); }},
  };
}

}  // namespace

BOOST_AUTO_TEST_CASE(relu_family) {
  const Tensor x = V({-10, -5, 0, 5, 10});  // Keras's docstring examples
  check_close(act::relu(x), V({0, 0, 0, 5, 10}));
  check_close(act::relu(x, 0.5f), V({-5, -2.5f, 0, 5, 10}));
  check_close(act::relu(x, 0.0f, 5.0f), V({0, 0, 0, 5, 5}));
  check_close(act::relu(x, 0.0f, {}, 5.0f), V({0, 0, 0, 0, 10}));
  check_close(act::relu(x, 0.5f, 6.0f), V({-5, -2.5f, 0, 5, 6}));
  // Above 5 kept and capped at 8; below, -0.5 * (5 - x).
  check_close(act::relu(x, 0.5f, 8.0f, 5.0f), V({-7.5f, -5, -2.5f, 0, 8}));
  const Tensor infinities = act::relu(V({-kInf, kInf}), 0.0f, {}, 1.0f);  // -inf * 0 would be NaN
  BOOST_TEST(infinities[0] == 0.0f);
  BOOST_TEST(infinities[1] == kInf);
  check_close(act::leaky_relu(x), V({-2, -1, 0, 5, 10}));
  check_close(act::leaky_relu(x, 0.1f), V({-1, -0.5f, 0, 5, 10}));
  check_close(act::relu6(V({-1, 3, 7, 1e30f})), V({0, 3, 6, 6}));
  BOOST_CHECK_THROW(act::relu(x, 0.0f, -1.0f), ValueError);
  BOOST_CHECK_THROW(act::relu(x, kNaN), ValueError);
  BOOST_CHECK_THROW(act::relu(x, 0.0f, {}, kInf), ValueError);
  BOOST_CHECK_THROW(act::leaky_relu(x, kInf), ValueError);
}

BOOST_AUTO_TEST_CASE(hard_and_sparse_pieces) {
  check_close(act::hard_sigmoid(V({-4, -3, 0, 1.5f, 3, 4})), V({0, 0, 0.5f, 0.75f, 1, 1}));
  // Keras's HardSwish docstring: [-10, -2.5, 0, 2.5, 10] -> [-0, -0.2083, 0, 2.2917, 10].
  check_close(act::hard_silu(V({-10, -2.5f, 0, 2.5f, 10})), V({0, -2.5f / 12, 0, 2.5f * 11 / 12, 10}));
  check_close(act::hard_swish(V({-1.5f, 1.5f})), V({-0.375f, 1.125f}));
  check_close(act::hard_tanh(V({-2, -0.5f, 0, 0.5f, 2})), V({-1, -0.5f, 0, 0.5f, 1}));
  check_close(act::hard_shrink(V({-1, -0.5f, 0.2f, 0.6f})), V({-1, 0, 0, 0.6f}));
  check_close(act::hard_shrink(V({-1, 0.2f}), 0.0f), V({-1, 0.2f}));
  check_close(act::soft_shrink(V({-1, -0.5f, 0.2f, 0.6f, 2})), V({-0.5f, 0, 0, 0.1f, 1.5f}));
  check_close(act::soft_shrink(V({-1, 3}), 1.0f), V({0, 2}));
  check_close(act::threshold(V({0, 1, 2}), 1.0f, -7.0f), V({-7, -7, 2}));
  check_close(act::sparse_plus(V({-2, -1, 0, 0.5f, 1, 3})), V({0, 0, 0.25f, 0.5625f, 1, 3}));
  check_close(act::sparse_sigmoid(V({-2, -1, 0, 0.5f, 1, 3})), V({0, 0, 0.5f, 0.75f, 1, 1}));
  BOOST_CHECK_THROW(act::hard_shrink(V({1}), -0.1f), ValueError);
  BOOST_CHECK_THROW(act::soft_shrink(V({1}), -0.1f), ValueError);
  BOOST_CHECK_THROW(act::threshold(V({1}), kNaN, 0.0f), ValueError);
  BOOST_CHECK_THROW(act::threshold(V({1}), 0.0f, kInf), ValueError);
}

BOOST_AUTO_TEST_CASE(sigmoid_and_softplus_family) {
  check_close(act::sigmoid(V({-1, 0, 2})), V({0.2689414213699951f, 0.5f, 0.8807970779778823f}));
  check_close(act::softplus(V({-1, 0, 2})), V({0.31326168751822286f, 0.6931471805599453f, 2.1269280110429727f}));
  check_close(act::log_sigmoid(V({-1, 0, 2})), V({-1.3132616875182228f, -0.6931471805599453f, -0.1269280110429725f}));
  check_close(act::silu(V({-1, 0, 2})), V({-0.2689414213699951f, 0, 1.7615941559557646f}));
  check_close(act::swish(V({2})), V({1.7615941559557646f}));
  check_close(act::mish(V({-1, 0, 2})), V({-0.30340146137410895f, 0, 1.9439589595339946f}));
  check_close(act::softsign(V({-3, 0, 1})), V({-0.75f, 0, 0.5f}));
  check_close(act::tanh(V({-1, 0, 2})), V({-0.7615941559557649f, 0, 0.9640275800758169f}));
  check_close(act::tanh_shrink(V({-1, 0, 2})), V({-0.23840584404423515f, 0, 1.035972419924183f}));
  check_close(act::exponential(V({0, 1, -1})), V({1, 2.718281828459045f, 0.36787944117144233f}));
}

BOOST_AUTO_TEST_CASE(large_inputs_do_not_overflow) {
  // The plain formulas overflow exp (or x^2) here; the stable forms give the limits.
  check_close(act::sigmoid(V({-100, 100, -kInf, kInf})), V({0, 1, 0, 1}));
  check_close(act::softplus(V({-100, 100, 1e30f, -kInf})), V({0, 100, 1e30f, 0}));
  check_close(act::log_sigmoid(V({-100, 100, 1e30f})), V({-100, 0, 0}));
  check_close(act::silu(V({-100, 100})), V({0, 100}));
  check_close(act::mish(V({-100, 100})), V({0, 100}));
  check_close(act::softsign(V({-1e30f, 1e30f})), V({-1, 1}));
  check_close(act::tanh_shrink(V({100})), V({99}));
  check_close(act::gelu(V({-100, 100})), V({0, 100}));
  check_close(act::gelu(V({-1e20f, 1e20f}), true), V({0, 1e20f}));
  check_close(act::elu(V({-100})), V({-1}));
  check_close(act::selu(V({-100})), V({-1.7580993408473766f}));
  check_close(act::celu(V({-100, -kInf})), V({-1, -1}));
  // sqrt(x^2 + 4) overflows float32 at |x| ~ 1.8e19: exact values are x and 1 / -x.
  check_close(act::squareplus(V({-1e20f, 1e20f, 3e38f})), V({1e-20f, 1e20f, 3e38f}));
  BOOST_TEST(act::squareplus(V({-kInf}))[0] == 0.0f);
  // exp overflows to inf as numpy's float32 exp does.
  BOOST_TEST(act::exponential(V({100}))[0] == kInf);
  BOOST_TEST(act::exponential(V({-200}))[0] == 0.0f);
}

BOOST_AUTO_TEST_CASE(gelu_exact_by_default_and_approximate) {
  check_close(act::gelu(V({-1, 0, 2})), V({-0.15865525393145707f, 0, 1.9544997361036416f}));
  check_close(act::gelu(V({-1, 0, 2}), true), V({-0.15880800939172324f, 0, 1.954597694087775f}));
}

BOOST_AUTO_TEST_CASE(exponential_linear_units) {
  check_close(act::elu(V({-1, 0, 3})), V({-0.6321205588285577f, 0, 3}));
  check_close(act::elu(V({-2, 3}), 0.5f), V({-0.43233235838169365f, 3}));
  check_close(act::selu(V({-1, 0, 2})), V({-1.1113307378125625f, 0, 2.101401974710961f}));
  check_close(act::celu(V({-1, 0, 3})), V({-0.6321205588285577f, 0, 3}));
  check_close(act::celu(V({-1, -4, 3}), 2.0f), V({-0.7869386805747332f, -1.7293294335267746f, 3}));
  BOOST_CHECK_THROW(act::celu(V({1}), 0.0f), ValueError);
  BOOST_CHECK_THROW(act::celu(V({1}), -1.0f), ValueError);
  BOOST_CHECK_THROW(act::elu(V({1}), kNaN), ValueError);
}

BOOST_AUTO_TEST_CASE(squareplus_values) {
  check_close(act::squareplus(V({-1, 0, 2})), V({0.6180339887498949f, 1, 2.414213562373095f}));
  check_close(act::squareplus(V({3}), 1.0f), V({3.08113883008419f}));
  check_close(act::squareplus(V({-2, 0, 2}), 0.0f), V({0, 0, 2}));  // b = 0 is relu
  BOOST_CHECK_THROW(act::squareplus(V({1}), -1.0f), ValueError);
}

BOOST_AUTO_TEST_CASE(softmax_and_log_softmax) {
  check_close(act::softmax(V({1, 2, 3})), V({0.09003057317038046f, 0.24472847105479767f, 0.6652409557748219f}));
  check_close(act::log_softmax(V({1, 2, 3})), V({-2.40760596444438f, -1.4076059644443801f, -0.40760596444438013f}));
  // Subtracting the max: no overflow for large logits.
  check_close(act::softmax(V({1000, 0})), V({1, 0}));
  check_close(act::softmax(V({1000, 1000})), V({0.5f, 0.5f}));
  check_close(act::log_softmax(V({1000, 0})), V({0, -1000}));
  check_close(act::softmax(V({-kInf, 0})), V({0, 1}));
  // Axis 0 normalises columns, axis -1 rows.
  const Tensor m = Tensor::matrix({{1, 5}, {1, 5}});
  check_close(act::softmax(m, 0), Tensor::matrix({{0.5f, 0.5f}, {0.5f, 0.5f}}));
  const float p = 0.01798620996209156f;  // 1 / (1 + e^4)
  check_close(act::softmax(m), Tensor::matrix({{p, 1 - p}, {p, 1 - p}}));
  check_close(act::log_softmax(m, -2), Tensor::matrix({{-0.6931471805599453f, -0.6931471805599453f},
                                                       {-0.6931471805599453f, -0.6931471805599453f}}));
  // Rank 3, middle axis: every (i, :, k) sums to 1.
  Tensor cube(Shape{2, 3, 4});
  for (std::int64_t i = 0; i < cube.size(); ++i) cube[i] = static_cast<float>(i % 7) - 3.0f;
  const Tensor s = act::softmax(cube, 1);
  BOOST_TEST(s.shape() == cube.shape());
  check_close(s.sum(1), Tensor(Shape{2, 4}, 1.0f));
  // A NaN spoils only its own slice (numpy's max is NaN).
  const Tensor with_nan = act::softmax(Tensor::matrix({{kNaN, 1}, {0, 0}}));
  BOOST_TEST(std::isnan(with_nan[0]));
  BOOST_TEST(std::isnan(with_nan[1]));
  check_close(Tensor::vector({with_nan[2], with_nan[3]}), V({0.5f, 0.5f}));
  BOOST_TEST(all_nan(act::log_softmax(V({kNaN, 2}))));
  BOOST_CHECK_THROW(act::softmax(Tensor::scalar(1)), ValueError);  // no axis -1 in rank 0
  BOOST_CHECK_THROW(act::softmax(m, 2), ValueError);
  BOOST_CHECK_THROW(act::log_softmax(m, -3), ValueError);
}

BOOST_AUTO_TEST_CASE(sparsemax_projects_onto_the_simplex) {
  // Support of two: tau = (1.5 - 1) / 2 (Keras before PR 23469 gave [0, 0, 0.25]).
  check_close(act::sparsemax(V({0, 0.5f, 1})), V({0, 0.25f, 0.75f}));
  check_close(act::sparsemax(V({0.1f, 0.2f, 0.3f, 0.4f, 0.5f})), V({0, 0.1f, 0.2f, 0.3f, 0.4f}));
  check_close(act::sparsemax(V({1, 5})), V({0, 1}));  // support of one: one-hot
  check_close(act::sparsemax(V({2, 2, 2, 2})), V({0.25f, 0.25f, 0.25f, 0.25f}));
  check_close(act::sparsemax(V({-kInf, 0, 0.5f, 1})), V({0, 0, 0.25f, 0.75f}));
  // Axis 0: columns [0, 0.5, 1] and [1, 5, 2].
  check_close(act::sparsemax(Tensor::matrix({{0, 1}, {0.5f, 5}, {1, 2}}), 0),
              Tensor::matrix({{0, 0}, {0.25f, 1}, {0.75f, 0}}));
  check_close(act::sparsemax(Tensor::matrix({{0, 0.5f, 1}, {1, 5, 2}})),
              Tensor::matrix({{0, 0.25f, 0.75f}, {0, 1, 0}}));
  BOOST_TEST(all_nan(act::sparsemax(V({kNaN, 1}))));
  BOOST_TEST(all_nan(act::sparsemax(V({kInf, 1}))));
  BOOST_TEST(all_nan(act::sparsemax(V({-kInf, -kInf}))));
  BOOST_CHECK_THROW(act::sparsemax(Tensor::scalar(1)), ValueError);
}

BOOST_AUTO_TEST_CASE(glu_splits_the_axis) {
  // a * sigmoid(b): [1, 2 | 3, -4] -> [sigmoid(3), 2 sigmoid(-4)].
  check_close(act::glu(V({1, 2, 3, -4})), V({0.9525741268224334f, 0.03597241992418312f}));
  const Tensor m = Tensor::matrix({{1, 2}, {3, -4}});
  check_close(act::glu(m, 0), Tensor::matrix({{0.9525741268224334f, 2 * 0.01798620996209156f}}));
  check_close(act::glu(m), Tensor::matrix({{1 * 0.8807970779778823f}, {3 * 0.01798620996209156f}}));
  BOOST_TEST(act::glu(m, 0).shape() == (Shape{1, 2}));
  check_close(act::glu(V({5, -kInf})), V({0}));
  BOOST_CHECK_THROW(act::glu(V({1, 2, 3})), ValueError);
  BOOST_CHECK_THROW(act::glu(Tensor::matrix({{1, 2}, {3, 4}, {5, 6}}), 0), ValueError);
  BOOST_CHECK_THROW(act::glu(m, 5), ValueError);
}

BOOST_AUTO_TEST_CASE(empty_tensors_and_shapes) {
  for (const auto& [name, fn] : element_wise()) {
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(fn(Tensor(Shape{0})).shape() == (Shape{0}));
      BOOST_TEST(fn(Tensor(Shape{3, 0, 2})).shape() == (Shape{3, 0, 2}));
      const Tensor x(Shape{2, 3}, std::vector<float>{-2, -0.5f, 0, 0.5f, 2, 7});
      BOOST_TEST(fn(x).shape() == x.shape());
      BOOST_TEST(fn(Tensor::scalar(0.25f)).shape() == Shape{});
      // NaN in, NaN out.
      BOOST_TEST(std::isnan(fn(V({kNaN}))[0]));
    }
  }
  for (std::int64_t axis : {0, 1, -1}) {
    BOOST_TEST(act::softmax(Tensor(Shape{2, 0}), axis).shape() == (Shape{2, 0}));
    BOOST_TEST(act::log_softmax(Tensor(Shape{0, 3}), axis).shape() == (Shape{0, 3}));
    BOOST_TEST(act::sparsemax(Tensor(Shape{2, 0}), axis).shape() == (Shape{2, 0}));
  }
  BOOST_TEST(act::glu(Tensor(Shape{0, 4})).shape() == (Shape{0, 2}));
  BOOST_TEST(act::glu(Tensor(Shape{2, 0})).shape() == (Shape{2, 0}));
}

BOOST_AUTO_TEST_CASE(deserialize_by_name_and_dict) {
  const std::string function_dict =
      R"({"module": "builtins", "class_name": "function", "config": "relu", "registered_name": "function"})";
  auto from_name = deserialize_as<Activation>(json::parse(R"("relu")"));
  auto from_dict = deserialize_as<Activation>(json::parse(function_dict));
  BOOST_REQUIRE(from_name);
  BOOST_REQUIRE(from_dict);
  check_close((*from_name)(V({-1, 2})), V({0, 2}));
  check_close((*from_dict)(V({-1, 2})), V({0, 2}));
  BOOST_TEST(json::write(serialize(from_name)) == function_dict);
  BOOST_TEST(json::write(serialize(from_dict)) == function_dict);

  // Aliases resolve to Keras's functions, which serialize under their own names.
  for (const auto& [alias, name] : {std::pair{"swish", "silu"}, std::pair{"hard_swish", "hard_silu"}}) {
    auto fn = deserialize_as<Activation>(boost::json::value(alias));
    BOOST_REQUIRE(fn);
    BOOST_TEST(json::write(serialize(fn)) == R"({"module": "builtins", "class_name": "function", "config": ")" +
                                                 std::string(name) + R"(", "registered_name": "function"})");
  }
}

BOOST_AUTO_TEST_CASE(registered_functions_use_keras_defaults) {
  auto call = [](const char* name, const Tensor& x) {
    auto fn = deserialize_as<Activation>(boost::json::value(name));
    BOOST_REQUIRE_MESSAGE(fn, name);
    return (*fn)(x);
  };
  const Tensor x = V({-2, -1, 0, 1, 2});
  check_close(call("gelu", x), act::gelu(x, false));
  check_close(call("leaky_relu", x), V({-0.4f, -0.2f, 0, 1, 2}));
  check_close(call("hard_shrink", V({-0.4f, 0.6f})), V({0, 0.6f}));
  check_close(call("squareplus", V({0})), V({1}));
  check_close(call("celu", x), act::celu(x, 1.0f));
  check_close(call("softmax", Tensor::matrix({{1, 1}, {2, 2}})), Tensor::matrix({{0.5f, 0.5f}, {0.5f, 0.5f}}));
  check_close(call("glu", V({1, 2, 3, -4})), act::glu(V({1, 2, 3, -4})));
  check_close(call("sparsemax", V({0, 0.5f, 1})), V({0, 0.25f, 0.75f}));
  check_close(call("linear", x), x);
  // Keras's threshold has no defaults: it deserializes, but cannot be called bare.
  BOOST_CHECK_THROW(call("threshold", x), ValueError);
  for (const auto& [name, fn] : element_wise()) {
    if (name == "gelu_approximate" || name == "relu_all_options" || name == "threshold") continue;
    BOOST_TEST_CONTEXT(name) { check_close(call(name.c_str(), x), fn(x)); }
  }
}
