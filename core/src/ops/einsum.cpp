#include "kplug/ops/einsum.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/linalg.hpp"
#include "kplug/ops/reduce.hpp"
#include "kplug/ops/shape.hpp"

#include <algorithm>
#include <array>
#include <map>

namespace kplug::ops {
namespace {

std::string quoted(std::string_view equation) { return "einsum '" + std::string(equation) + "'"; }

bool has(const std::string& term, char c) { return term.find(c) != std::string::npos; }

// Replaces "..." with `count` letters from `pool` (the last `count` of the ellipsis
// letters, so shorter ellipses align on the right, as numpy broadcasts them).
std::string expand_ellipsis(std::string_view equation, std::string term, std::int64_t rank, const std::string& pool,
                            std::int64_t ellipsis_rank, const char* which) {
  const auto pos = term.find("...");
  if (pos == std::string::npos) return term;
  if (term.find("...", pos + 3) != std::string::npos || term.find('.', pos + 3) != std::string::npos) {
    throw ValueError(quoted(equation) + ": " + which + " term '" + term + "' has more than one ellipsis");
  }
  const std::int64_t count = rank < 0 ? ellipsis_rank : rank - static_cast<std::int64_t>(term.size() - 3);
  if (count < 0) {
    throw ValueError(quoted(equation) + ": " + which + " term '" + term +
                     "' has more letters than the operand's rank " + std::to_string(rank));
  }
  return term.substr(0, pos) + pool.substr(pool.size() - static_cast<std::size_t>(count)) + term.substr(pos + 3);
}

void check_term(std::string_view equation, const std::string& term, const char* which) {
  for (std::size_t i = 0; i < term.size(); ++i) {
    const char c = term[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool ellipsis_letter = c >= '0' && c <= '9';  // from expand_ellipsis
    if (!letter && !ellipsis_letter) {
      throw ValueError(quoted(equation) + ": invalid character '" + std::string(1, c) + "' in the " + which +
                       " term (expected letters and '...')");
    }
    if (term.find(c, i + 1) != std::string::npos) {
      throw NotSupportedError(quoted(equation) + ": letter '" + std::string(1, c) + "' repeated in the " + which +
                              " term (diagonals/traces) is not supported");
    }
  }
}

// Permutation taking `from` to `to` (both hold the same letters).
std::vector<std::int64_t> perm_of(const std::string& from, const std::string& to) {
  std::vector<std::int64_t> perm;
  perm.reserve(to.size());
  for (char c : to) perm.push_back(static_cast<std::int64_t>(from.find(c)));
  return perm;
}

Tensor arrange(const Tensor& x, const std::string& from, const std::string& to) {
  return from == to ? x : permute(x, perm_of(from, to));
}

std::string ordered(const std::string& letters_in_order, const std::string& keep) {
  std::string out;
  for (char c : letters_in_order)
    if (has(keep, c)) out += c;
  return out;
}

}  // namespace

EinsumTerms parse_einsum(std::string_view equation, std::int64_t lhs_rank, std::int64_t rhs_rank) {
  std::string eq;
  for (char c : equation)
    if (c != ' ') eq += c;
  const auto arrow = eq.find("->");
  if (arrow == std::string::npos) {
    throw NotSupportedError(quoted(equation) + ": an equation without '->' (implicit output) is not supported");
  }
  const std::string inputs = eq.substr(0, arrow);
  std::string out = eq.substr(arrow + 2);
  const auto comma = inputs.find(',');
  if (comma == std::string::npos || inputs.find(',', comma + 1) != std::string::npos) {
    throw NotSupportedError(quoted(equation) + ": only two operands are supported");
  }
  std::string lhs = inputs.substr(0, comma), rhs = inputs.substr(comma + 1);
  const auto explicit_count = [](const std::string& t) {
    return static_cast<std::int64_t>(t.size()) - (t.find("...") != std::string::npos ? 3 : 0);
  };
  std::int64_t ellipsis_rank = 0;
  if (lhs.find("...") != std::string::npos) ellipsis_rank = std::max(ellipsis_rank, lhs_rank - explicit_count(lhs));
  if (rhs.find("...") != std::string::npos) ellipsis_rank = std::max(ellipsis_rank, rhs_rank - explicit_count(rhs));
  if (ellipsis_rank > 10) throw NotSupportedError(quoted(equation) + ": more than 10 axes under '...'");
  const std::string pool = std::string("0123456789").substr(0, static_cast<std::size_t>(ellipsis_rank));
  lhs = expand_ellipsis(equation, lhs, lhs_rank, pool, ellipsis_rank, "first");
  rhs = expand_ellipsis(equation, rhs, rhs_rank, pool, ellipsis_rank, "second");
  out = expand_ellipsis(equation, out, -1, pool, ellipsis_rank, "output");
  check_term(equation, lhs, "first");
  check_term(equation, rhs, "second");
  check_term(equation, out, "output");
  if (static_cast<std::int64_t>(lhs.size()) != lhs_rank || static_cast<std::int64_t>(rhs.size()) != rhs_rank) {
    throw ValueError(quoted(equation) + ": the terms '" + lhs + "' and '" + rhs + "' need operands of rank " +
                     std::to_string(lhs.size()) + " and " + std::to_string(rhs.size()) + ", got ranks " +
                     std::to_string(lhs_rank) + " and " + std::to_string(rhs_rank));
  }
  for (char c : out) {
    if (!has(lhs, c) && !has(rhs, c)) {
      throw ValueError(quoted(equation) + ": output letter '" + std::string(1, c) + "' is in no operand");
    }
  }
  return {lhs, rhs, out};
}

namespace {

using Sizes = std::map<char, std::int64_t>;

// Each letter's size, the same in both operands.
Sizes letter_sizes(std::string_view equation, const EinsumTerms& t, const Tensor& a, const Tensor& b) {
  Sizes sizes;
  const auto record = [&](const std::string& term, const Tensor& x, const char* which) {
    for (std::size_t i = 0; i < term.size(); ++i) {
      const std::int64_t n = x.shape()[i];
      auto [it, inserted] = sizes.emplace(term[i], n);
      if (!inserted && it->second != n) {
        throw ValueError(quoted(equation) + ": " + which + " operand " + shape_to_string(x.shape()) + " gives '" +
                         std::string(1, term[i]) + "' size " + std::to_string(n) + ", but it has size " +
                         std::to_string(it->second) + " in the other operand");
      }
    }
  };
  record(t.lhs, a, "the first");
  record(t.rhs, b, "the second");
  return sizes;
}

std::int64_t product(const Sizes& sizes, const std::string& letters) {
  std::int64_t n = 1;
  for (char c : letters) n *= sizes.at(c);
  return n;
}

// Sums away the letters of `term` in neither `other` nor `out` (dropping them from `term`).
Tensor sum_lonely(const Tensor& x, std::string& term, const std::string& other, const std::string& out) {
  std::vector<std::int64_t> axes;
  std::string kept;
  for (std::size_t i = 0; i < term.size(); ++i) {
    if (!has(other, term[i]) && !has(out, term[i]))
      axes.push_back(static_cast<std::int64_t>(i));
    else
      kept += term[i];
  }
  if (axes.empty()) return x;
  term = kept;
  return sum(x, Axes(axes), false);
}

// The letters by role in the batched product: in both operands and the output (batch),
// in one operand and the output (free), in both operands only (contracted).
struct Roles {
  std::string batch, a_free, b_free, contracted;
};

Roles roles_of(const EinsumTerms& t) {
  Roles r;
  for (char c : t.out) {
    if (has(t.lhs, c) && has(t.rhs, c))
      r.batch += c;
    else if (has(t.lhs, c))
      r.a_free += c;
    else
      r.b_free += c;
  }
  for (char c : t.lhs)
    if (has(t.rhs, c) && !has(t.out, c)) r.contracted += c;
  return r;
}

// Operand order, contracted order and transposes for one batched GEMM.
struct Plan {
  bool swap = false;
  std::string contracted;
  bool tx = false, ty = false;
  bool permute_x = false, permute_y = false, permute_out = false;
  std::int64_t cost = 0;  // bytes permuted
};

Plan cheapest_plan(const EinsumTerms& t, const Roles& roles, const Sizes& sizes) {
  Plan best;
  best.cost = -1;
  for (const bool swap : {false, true}) {
    const std::string& xt = swap ? t.rhs : t.lhs;
    const std::string& yt = swap ? t.lhs : t.rhs;
    const std::string& xf = swap ? roles.b_free : roles.a_free;
    const std::string& yf = swap ? roles.a_free : roles.b_free;
    for (const std::string& corder : {ordered(xt, roles.contracted), ordered(yt, roles.contracted)}) {
      Plan p;
      p.swap = swap;
      p.contracted = corder;
      p.tx = xt != roles.batch + xf + corder && xt == roles.batch + corder + xf;
      p.permute_x = xt != roles.batch + xf + corder && !p.tx;
      p.ty = yt != roles.batch + corder + yf && yt == roles.batch + yf + corder;
      p.permute_y = yt != roles.batch + corder + yf && !p.ty;
      p.permute_out = roles.batch + xf + yf != t.out;
      p.cost = (p.permute_x ? product(sizes, xt) : 0) + (p.permute_y ? product(sizes, yt) : 0) +
               (p.permute_out ? product(sizes, t.out) : 0);
      if (best.cost < 0 || p.cost < best.cost) best = p;
    }
  }
  return best;
}

Tensor run_plan(const Plan& plan, const EinsumTerms& t, const Roles& roles, const Sizes& sizes, const Tensor& a,
                const Tensor& b) {
  const Tensor& x = plan.swap ? b : a;
  const Tensor& y = plan.swap ? a : b;
  const std::string& xt = plan.swap ? t.rhs : t.lhs;
  const std::string& yt = plan.swap ? t.lhs : t.rhs;
  const std::string& xf = plan.swap ? roles.b_free : roles.a_free;
  const std::string& yf = plan.swap ? roles.a_free : roles.b_free;
  const std::string& batch = roles.batch;
  const std::string& c = plan.contracted;
  const std::int64_t nb = product(sizes, batch), m = product(sizes, xf), n = product(sizes, yf), k = product(sizes, c);
  const bool batched = !batch.empty();
  const auto dims3 = [&](std::int64_t r, std::int64_t cols) { return batched ? Shape{nb, r, cols} : Shape{r, cols}; };
  const Tensor xm = plan.permute_x ? arrange(x, xt, batch + xf + c).reshape(dims3(m, k))
                                   : x.reshape(plan.tx ? dims3(k, m) : dims3(m, k));
  const Tensor ym = plan.permute_y ? arrange(y, yt, batch + c + yf).reshape(dims3(k, n))
                                   : y.reshape(plan.ty ? dims3(n, k) : dims3(k, n));
  const Tensor r = matmul(xm, ym, plan.tx, plan.ty);
  const std::string r_term = batch + xf + yf;
  Shape r_shape;
  for (char l : r_term) r_shape.push_back(sizes.at(l));
  return arrange(r.reshape(r_shape), r_term, t.out);
}

}  // namespace

Tensor einsum(std::string_view equation, const Tensor& a_in, const Tensor& b_in) {
  EinsumTerms t = parse_einsum(equation, a_in.rank(), b_in.rank());
  const Sizes sizes = letter_sizes(equation, t, a_in, b_in);
  // Letters of one operand only and not in the output are summed away first.
  const Tensor a = sum_lonely(a_in, t.lhs, t.rhs, t.out);
  const Tensor b = sum_lonely(b_in, t.rhs, t.lhs, t.out);
  const Roles roles = roles_of(t);
  return run_plan(cheapest_plan(t, roles, sizes), t, roles, sizes, a, b);
}

}  // namespace kplug::ops
