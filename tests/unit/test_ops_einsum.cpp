// ops::einsum against a naive reference (a loop over every index combination, written
// here), and the attention kernels (masked_softmax, causal_mask) against hand values.
#define BOOST_TEST_MODULE ops_einsum
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/attention.hpp"
#include "kplug/ops/einsum.hpp"
#include "test_support.hpp"

#include <cmath>
#include <map>
#include <string>

using namespace kplug;
using kplug::test::check_close;
using kplug::test::contains;
using kplug::test::error_of;

namespace {

Tensor pattern(const Shape& shape, float seed) {
  Tensor t(shape);
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = std::sin(static_cast<float>(i) * 0.7f + seed);
  return t;
}

// out[o] = sum over all other letters of a[..] * b[..]; equations without "...".
Tensor naive_einsum(const std::string& equation, const Tensor& a, const Tensor& b) {
  const auto comma = equation.find(','), arrow = equation.find("->");
  const std::string ta = equation.substr(0, comma), tb = equation.substr(comma + 1, arrow - comma - 1),
                    to = equation.substr(arrow + 2);
  std::map<char, std::int64_t> size;
  for (std::size_t i = 0; i < ta.size(); ++i) size[ta[i]] = a.shape()[i];
  for (std::size_t i = 0; i < tb.size(); ++i) size[tb[i]] = b.shape()[i];
  std::string letters;
  for (const auto& [c, n] : size) letters += c;
  Shape out_shape;
  for (char c : to) out_shape.push_back(size[c]);
  Tensor out(out_shape);
  std::map<char, std::int64_t> idx;
  for (char c : letters) idx[c] = 0;
  const auto flat = [&](const std::string& term, const Shape& shape) {
    std::int64_t f = 0;
    for (std::size_t i = 0; i < term.size(); ++i) f = f * shape[i] + idx[term[i]];
    return f;
  };
  std::int64_t total = 1;
  for (char c : letters) total *= size[c];
  for (std::int64_t n = 0; n < total; ++n) {
    std::int64_t rest = n;
    for (auto it = letters.rbegin(); it != letters.rend(); ++it) {
      idx[*it] = rest % size[*it];
      rest /= size[*it];
    }
    out[flat(to, out_shape)] += a[flat(ta, a.shape())] * b[flat(tb, b.shape())];
  }
  return out;
}

void check_against_naive(const std::string& equation, const Shape& sa, const Shape& sb) {
  BOOST_TEST_CONTEXT(equation) {
    const Tensor a = pattern(sa, 0.3f), b = pattern(sb, 1.1f);
    const Tensor got = ops::einsum(equation, a, b);
    check_close(got, naive_einsum(equation, a, b), 1e-4f);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(einsum_matches_a_naive_loop) {
  check_against_naive("ab,bc->ac", {3, 4}, {4, 5});
  check_against_naive("ab,bc->ca", {3, 4}, {4, 5});                    // output permuted
  check_against_naive("abc,cde->abde", {2, 3, 4}, {4, 2, 3});          // MHA projection
  check_against_naive("abcd,cde->abe", {2, 3, 2, 4}, {2, 4, 5});       // MHA output projection
  check_against_naive("aecd,abcd->acbe", {2, 5, 3, 4}, {2, 6, 3, 4});  // MHA scores
  check_against_naive("acbe,aecd->abcd", {2, 3, 6, 5}, {2, 5, 3, 4});  // MHA combine
  check_against_naive("bij,bjk->bik", {3, 2, 4}, {3, 4, 5});
  check_against_naive("bij,bkj->bik", {3, 2, 4}, {3, 5, 4});  // transposed rhs
  check_against_naive("bji,bjk->bik", {3, 4, 2}, {3, 4, 5});  // transposed lhs
  check_against_naive("ij,ij->i", {3, 4}, {3, 4});            // batch + contraction
  check_against_naive("ab,cd->abcd", {2, 3}, {4, 5});         // outer product
  check_against_naive("abc,bd->ad", {2, 3, 4}, {3, 5});       // 'c' summed alone
  check_against_naive("ab,b->a", {3, 4}, {4});
  check_against_naive("abcd,cbe->aed", {2, 3, 4, 5}, {4, 3, 6});  // two contracted letters, out of order
  check_against_naive("Ab,bC->AC", {3, 4}, {4, 2});               // capital letters
}

BOOST_AUTO_TEST_CASE(einsum_ellipsis_expands_to_the_same_axes) {
  const Tensor x = pattern({2, 3, 4}, 0.2f), k = pattern({4, 5}, 0.9f);
  check_close(ops::einsum("...b,bc->...c", x, k), naive_einsum("xyb,bc->xyc", x, k), 1e-4f);
  check_close(ops::einsum("ab...,bc->ac...", pattern({2, 4, 3}, 0.2f), k),
              naive_einsum("abx,bc->acx", pattern({2, 4, 3}, 0.2f), k), 1e-4f);
  // No axis under the ellipsis.
  check_close(ops::einsum("...b,bc->...c", pattern({4}, 0.4f), k), naive_einsum("b,bc->c", pattern({4}, 0.4f), k),
              1e-4f);
  const ops::EinsumTerms t = ops::parse_einsum("...b,bc->...c", 3, 2);
  BOOST_CHECK_EQUAL(t.lhs.size(), 3u);
  BOOST_CHECK_EQUAL(t.out.size(), 3u);
  BOOST_CHECK_EQUAL(t.rhs, "bc");
}

BOOST_AUTO_TEST_CASE(einsum_errors_name_the_equation_and_the_problem) {
  const Tensor a = pattern({3, 4}, 0.0f), b = pattern({4, 5}, 0.0f);
  BOOST_CHECK(contains(error_of<NotSupportedError>([&] { ops::einsum("ab,bc", a, b); }), "'->'"));
  BOOST_CHECK(contains(error_of<NotSupportedError>([&] {
                         ops::einsum("aa,bc->bc", pattern({3, 3}, 0), b);
                       }),
                       "repeated"));
  BOOST_CHECK(contains(error_of<NotSupportedError>([&] { ops::einsum("ab,bc,cd->ad", a, b); }), "two operands"));
  BOOST_CHECK(contains(error_of<ValueError>([&] { ops::einsum("ab,bc->ad", a, b); }), "output letter 'd'"));
  BOOST_CHECK(contains(error_of<ValueError>([&] { ops::einsum("ab,bc->ac", a, pattern({5, 5}, 0)); }), "'b' size 5"));
  BOOST_CHECK(contains(error_of<ValueError>([&] { ops::einsum("abc,bc->ac", a, b); }), "rank"));
  BOOST_CHECK(contains(error_of<ValueError>([&] { ops::einsum("a-b,bc->ac", a, b); }), "invalid character"));
}

BOOST_AUTO_TEST_CASE(causal_mask_is_lower_triangular) {
  const Tensor m = ops::causal_mask(3, 4);
  BOOST_CHECK(m.shape() == (Shape{1, 3, 4}));
  check_close(m.reshape({3, 4}), Tensor::matrix({{1, 0, 0, 0}, {1, 1, 0, 0}, {1, 1, 1, 0}}));
}

BOOST_AUTO_TEST_CASE(masked_softmax_masks_zeroes_and_spans_axes) {
  const Tensor x = Tensor::matrix({{1.0f, 2.0f, 3.0f}, {0.5f, 0.5f, 4.0f}});
  const Tensor mask = Tensor::matrix({{1, 1, 0}, {0, 0, 0}});
  // Row 0: softmax over the first two; row 1 fully masked: uniform, or zeros when zeroed.
  const float e = 1.0f / (1.0f + std::exp(1.0f));
  check_close(ops::masked_softmax(x, &mask, ops::Axes(-1), false),
              Tensor::matrix({{e, 1.0f - e, 0.0f}, {1.0f / 3, 1.0f / 3, 1.0f / 3}}));
  check_close(ops::masked_softmax(x, &mask, ops::Axes(-1), true), Tensor::matrix({{e, 1.0f - e, 0.0f}, {0, 0, 0}}));
  // A broadcast bool mask.
  Tensor bool_mask({3}, DType::bool_);
  bool_mask.data_as<bool>()[0] = true;
  bool_mask.data_as<bool>()[2] = true;
  const float f = 1.0f / (1.0f + std::exp(2.0f));
  const float g = 1.0f / (1.0f + std::exp(3.5f));
  check_close(ops::masked_softmax(x, &bool_mask, ops::Axes(-1), true),
              Tensor::matrix({{f, 0.0f, 1.0f - f}, {g, 0.0f, 1.0f - g}}));
  // Over both axes: one distribution over all six values.
  const Tensor both = ops::masked_softmax(x, nullptr, ops::Axes({0, 1}), false);
  float total = 0.0f;
  for (float v : x.values()) total += std::exp(v);
  for (std::int64_t i = 0; i < 6; ++i) BOOST_CHECK_CLOSE(both[i], std::exp(x[i]) / total, 1e-3);
}
