// Regularizer penalties and constraint projections against values worked out by hand
// from the Keras formulas (keras/src/regularizers, keras/src/constraints).
#define BOOST_TEST_MODULE regularizers_constraints
#include <boost/test/unit_test.hpp>

#include "kplug/constraints.hpp"
#include "kplug/json.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

using namespace kplug;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_CASE(l1_l2_penalties) {
  const Tensor x = Tensor::vector({1.0f, -2.0f, 3.0f});
  BOOST_TEST(regularizers::L1L2(0.1, 0.2)(x) == 0.1f * 6 + 0.2f * 14, tt::tolerance(1e-6f));
  BOOST_TEST(regularizers::L1L2()(x) == 0.0f);  // Keras's L1L2 defaults are 0
  BOOST_TEST(regularizers::L1(0.01)(x) == 0.06f, tt::tolerance(1e-6f));
  BOOST_TEST(regularizers::L2(0.5)(Tensor::vector({1.0f, 2.0f})) == 2.5f);
  BOOST_TEST(regularizers::L2(0.5)(Tensor(Shape{0})) == 0.0f);  // empty weights: no penalty
  BOOST_CHECK_THROW(regularizers::L1(-1.0), ValueError);
  BOOST_CHECK_THROW(regularizers::L2(std::nan("")), ValueError);
}

BOOST_AUTO_TEST_CASE(l1_keeps_float32_in_its_config) {
  // Keras stores L1's factor as a float32 tensor: 0.01 comes back as 0.009999999776482582.
  BOOST_TEST(json::write(regularizers::L1(0.01).get_config()) == R"({"l1": 0.009999999776482582})");
  BOOST_TEST(json::write(regularizers::L2(0.02).get_config()) == R"({"l2": 0.02})");
  // null arguments mean the defaults, as Keras's constructors do.
  auto l1l2 = deserialize_as<Regularizer>(json::parse(R"({"class_name": "L1L2", "config": {"l1": null, "l2": 0.5}})"));
  BOOST_TEST(json::write(l1l2->get_config()) == R"({"l1": 0.0, "l2": 0.5})");
}

BOOST_AUTO_TEST_CASE(orthogonal_regularizer) {
  const regularizers::OrthogonalRegularizer rows(0.02, "rows");
  BOOST_TEST(rows(Tensor::matrix({{1, 0}, {0, 1}})) == 0.0f, tt::tolerance(1e-7f));
  // Two identical rows: |cos| = 1 for the one pair -> factor * 0.5 * 2 / 1.
  BOOST_TEST(rows(Tensor::matrix({{1, 0}, {2, 0}})) == 0.02f, tt::tolerance(1e-6f));
  const regularizers::OrthogonalRegularizer columns(0.05, "columns");
  BOOST_TEST(columns(Tensor::matrix({{1, 3}, {0, 0}})) == 0.05f, tt::tolerance(1e-6f));
  // Unit rows at 0, 60 and 90 degrees: pair cosines cos60, cos90 = 0, cos30 = sin60. The
  // off-diagonal sum counts each pair twice: factor * 0.5 * 2 * (cos60 + sin60) / 3 pairs.
  const float c = std::cos(3.14159265f / 3), s = std::sin(3.14159265f / 3);
  const float expected = 0.02f * 0.5f * 2.0f * (c + s) / 3.0f;
  BOOST_TEST(rows(Tensor::matrix({{1, 0}, {c, s}, {0, 1}})) == expected, tt::tolerance(1e-5f));
  BOOST_CHECK_THROW(rows(Tensor::vector({1, 2})), ValueError);
  BOOST_CHECK_THROW(regularizers::OrthogonalRegularizer(0.01, "diagonal"), ValueError);
}

BOOST_AUTO_TEST_CASE(norm_constraints) {
  const Tensor w = Tensor::matrix({{3.0f}, {4.0f}});  // column norm 5
  test::check_close(constraints::MaxNorm(Number::integer(2))(w), Tensor::matrix({{1.2f}, {1.6f}}));
  test::check_close(constraints::MaxNorm(Number::integer(10))(w), w);  // under the cap: unchanged
  test::check_close(constraints::MinMaxNorm()(w), Tensor::matrix({{0.6f}, {0.8f}}));
  // rate 0.5: desired norm = 0.5 * clip(5, 0, 1) + 0.5 * 5 = 3.
  test::check_close(constraints::MinMaxNorm(Number::real(0), Number::real(1), Number::real(0.5))(w),
                    Tensor::matrix({{1.8f}, {2.4f}}));
  test::check_close(constraints::UnitNorm()(w), Tensor::matrix({{0.6f}, {0.8f}}));
  test::check_close(constraints::NonNeg()(Tensor::vector({-1.0f, 0.0f, 2.0f})), Tensor::vector({0.0f, 0.0f, 2.0f}));
  // An axis list reduces over several axes; an all-zero slice stays zero (epsilon guard).
  test::check_close(constraints::UnitNorm({{0, 1}, true})(Tensor::matrix({{3.0f, 4.0f}})),
                    Tensor::matrix({{0.6f, 0.8f}}));
  test::check_close(constraints::UnitNorm()(Tensor::matrix({{0.0f}, {0.0f}})), Tensor::matrix({{0.0f}, {0.0f}}));
  BOOST_CHECK_THROW(constraints::UnitNorm({{2}, false})(w), ValueError);  // axis out of range
}

BOOST_AUTO_TEST_CASE(constraint_configs_keep_types) {
  for (
      const char* text :
      {R"({"module": "keras.constraints", "class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}, "registered_name": null})",
       R"({"module": "keras.constraints", "class_name": "MaxNorm", "config": {"max_value": 2.0, "axis": [0, 1]}, "registered_name": null})",
       R"({"module": "keras.constraints", "class_name": "UnitNorm", "config": {"axis": 1}, "registered_name": null})"}) {
    BOOST_TEST(json::write(serialize(deserialize(json::parse(text)))) == text);
  }
  BOOST_CHECK_THROW(
      deserialize(json::parse(R"({"module": "keras.constraints", "class_name": "NonNeg", "config": {"x": 1}})")),
      ConfigError);
}
