// kplug::ops comparisons, logic, all/any over axes, cumulative sums/products and one_hot
// (ops/compare.hpp, ops/cumulative.hpp, ops/indexing.hpp) against hand-worked values.
#define BOOST_TEST_MODULE ops_compare
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/ops/compare.hpp"
#include "kplug/ops/cumulative.hpp"
#include "kplug/ops/indexing.hpp"
#include "test_support.hpp"

#include <cmath>
#include <limits>
#include <vector>

using namespace kplug;
using test::check_close;
using test::contains;
using test::error_of;

namespace {

std::vector<bool> bools(const Tensor& t) {
  BOOST_REQUIRE(t.dtype() == DType::bool_);
  std::vector<bool> out;
  for (std::int64_t i = 0; i < t.size(); ++i) out.push_back(t.data_as<bool>()[i]);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(comparisons_broadcast_to_bool) {
  const Tensor a = Tensor::matrix({{1, 2, 3}, {4, 5, 6}});
  const Tensor b = Tensor::matrix({{2}, {5}});  // (2, 1) against (2, 3)
  BOOST_CHECK(bools(ops::compare(a, b, ops::CompareOp::equal)) ==
              (std::vector<bool>{false, true, false, false, true, false}));
  BOOST_CHECK(bools(ops::compare(a, b, ops::CompareOp::greater)) ==
              (std::vector<bool>{false, false, true, false, false, true}));
  BOOST_CHECK(bools(ops::compare(a, b, ops::CompareOp::less_equal)) ==
              (std::vector<bool>{true, true, false, true, true, false}));
  // NaN compares unequal to everything, itself included.
  const Tensor nan = Tensor::scalar(std::numeric_limits<float>::quiet_NaN());
  BOOST_CHECK(bools(ops::compare(nan, nan, ops::CompareOp::not_equal)) == std::vector<bool>{true});
  BOOST_CHECK(bools(ops::compare(nan, nan, ops::CompareOp::greater_equal)) == std::vector<bool>{false});
  // Integer operands compare by value.
  const std::vector<std::int32_t> ints{1, 7};
  BOOST_CHECK(bools(ops::compare(Tensor::from_values<std::int32_t>({2}, ints), Tensor::scalar(7),
                                 ops::CompareOp::equal)) == (std::vector<bool>{false, true}));
}

BOOST_AUTO_TEST_CASE(logical_ops_treat_nonzero_as_true) {
  const Tensor a = Tensor::vector({0, 1, 2, 0});
  const Tensor b = Tensor::vector({0, 0, -3, 5});
  BOOST_CHECK(bools(ops::logical(a, b, ops::LogicalOp::logical_and)) == (std::vector<bool>{false, false, true, false}));
  BOOST_CHECK(bools(ops::logical(a, b, ops::LogicalOp::logical_or)) == (std::vector<bool>{false, true, true, true}));
  BOOST_CHECK(bools(ops::logical(a, b, ops::LogicalOp::logical_xor)) == (std::vector<bool>{false, true, false, true}));
  BOOST_CHECK(bools(ops::logical_not(a)) == (std::vector<bool>{true, false, false, true}));
}

BOOST_AUTO_TEST_CASE(all_and_any_over_axes) {
  const Tensor x = Tensor::matrix({{1, 0, 2}, {3, 4, 5}});
  BOOST_CHECK(bools(ops::all(x, 1)) == (std::vector<bool>{false, true}));
  BOOST_CHECK(bools(ops::any(x, 0)) == (std::vector<bool>{true, true, true}));
  BOOST_CHECK(bools(ops::all(x, {})) == std::vector<bool>{false});
  BOOST_CHECK(bools(ops::any(x, {0, 1}, true)) == std::vector<bool>{true});
  BOOST_CHECK(ops::any(x, {0, 1}, true).shape() == (Shape{1, 1}));
  // numpy's identities over an empty axis: all -> True, any -> False.
  const Tensor empty({2, 0});
  BOOST_CHECK(bools(ops::all(empty, 1)) == (std::vector<bool>{true, true}));
  BOOST_CHECK(bools(ops::any(empty, 1)) == (std::vector<bool>{false, false}));
}

BOOST_AUTO_TEST_CASE(cumulative_sum_and_product) {
  const Tensor x = Tensor::matrix({{1, 2, 3}, {4, 5, 6}});
  check_close(ops::cumsum(x, 1), Tensor::matrix({{1, 3, 6}, {4, 9, 15}}));
  check_close(ops::cumsum(x, 0), Tensor::matrix({{1, 2, 3}, {5, 7, 9}}));
  check_close(ops::cumsum(x, std::nullopt), Tensor::vector({1, 3, 6, 10, 15, 21}));
  check_close(ops::cumprod(x, -1), Tensor::matrix({{1, 2, 6}, {4, 20, 120}}));
  BOOST_CHECK_THROW(ops::cumsum(x, 2), ValueError);
}

BOOST_AUTO_TEST_CASE(one_hot_rows) {
  const std::vector<std::int32_t> ids{2, -1, 0};
  check_close(ops::one_hot(Tensor::from_values<std::int32_t>({3}, ids), 3),
              Tensor::matrix({{0, 0, 1}, {0, 0, 0}, {1, 0, 0}}));
  const std::string message = error_of<ValueError>([] { ops::one_hot(Tensor::vector({0, 4}), 3, "my layer"); });
  BOOST_CHECK_MESSAGE(contains(message, "my layer") && contains(message, "index 4") && contains(message, "[0, 3)"),
                      message);
}
