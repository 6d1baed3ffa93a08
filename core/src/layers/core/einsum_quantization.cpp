#include "einsum_quantization.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/shape.hpp"

#include <algorithm>
#include <optional>
#include <regex>
#include <set>

namespace kplug::layers::detail {
namespace {

struct Specs {
  std::string input, weight, output;
};

// Keras's get_specs: the three terms, elided axes given the unused letters in sorted order.
Specs get_specs(const std::string& equation, std::size_t input_rank) {
  const std::string dotted = std::regex_replace(equation, std::regex("\\.\\.\\."), "0");
  static const std::regex plain("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)");
  static const std::regex left("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)");
  static const std::regex right("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0");
  std::smatch m;
  const auto match = [&](const std::regex& re) {
    return std::regex_search(dotted, m, re, std::regex_constants::match_continuous);
  };
  const bool is_plain = match(plain);
  const bool is_left = !is_plain && match(left);
  if (!is_plain && !is_left && !match(right)) {
    throw ValueError("Invalid einsum equation '" + equation +
                     "'. Equations must be in the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....");
  }
  Specs s{m[1], m[2], m[3]};
  if (is_plain) return s;
  std::set<char> unused;
  for (char c = 'A'; c <= 'Z'; ++c) unused.insert(c);
  for (char c = 'a'; c <= 'z'; ++c) unused.insert(c);
  for (char c : s.input + s.weight + s.output) unused.erase(c);
  const auto elided = static_cast<std::int64_t>(input_rank) - static_cast<std::int64_t>(s.input.size());
  auto label = unused.begin();
  for (std::int64_t i = 0; i < elided && label != unused.end(); ++i, ++label) {
    s.input = is_left ? *label + s.input : s.input + *label;
    s.output = is_left ? *label + s.output : s.output + *label;
  }
  return s;
}

// The positions of `term`'s letters missing from `other`.
std::vector<std::int64_t> missing(const std::string& term, const std::string& other) {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < term.size(); ++i) {
    if (other.find(term[i]) == std::string::npos) out.push_back(static_cast<std::int64_t>(i));
  }
  return out;
}

// Where each output letter present in `term` sits in `term`, then the reduced axes placed
// at the expand positions (Keras's postprocessing; a reduced axis left over is squeezed).
void place_reduced(const std::string& term, const std::string& output, const std::vector<std::int64_t>& reduced,
                   std::vector<std::int64_t>& transpose, std::vector<std::int64_t>& expand,
                   std::vector<std::int64_t>& squeeze) {
  for (char c : output) {
    if (const auto at = term.find(c); at != std::string::npos) transpose.push_back(static_cast<std::int64_t>(at));
  }
  std::optional<std::int64_t> index;
  for (std::int64_t ori : reduced) {
    if (!expand.empty()) {
      index = expand.front();
      expand.erase(expand.begin());
    } else {
      squeeze.push_back(ori);
    }
    if (!index) throw NotSupportedError("EinsumDense quantization of an equation whose kernel is only reduced");
    transpose.insert(transpose.begin() + std::min<std::int64_t>(*index, std::ssize(transpose)), ori);
  }
}

}  // namespace

EinsumQuantization::EinsumQuantization(const std::string& equation, std::size_t input_rank) {
  const Specs s = get_specs(equation, input_rank);
  input_reduced = missing(s.input, s.output);
  kernel_reduced = missing(s.weight, s.output);
  input_expand = missing(s.output, s.input);
  kernel_expand = missing(s.output, s.weight);
  place_reduced(s.input, s.output, input_reduced, input_transpose, input_expand, input_squeeze);
  place_reduced(s.weight, s.output, kernel_reduced, kernel_transpose, kernel_expand, kernel_squeeze);
}

Shape EinsumQuantization::kernel_scale_shape(const Shape& kernel_shape) const {
  Shape reduced = kernel_shape;
  for (std::int64_t a : kernel_reduced) reduced[static_cast<std::size_t>(a)] = 1;
  Shape out;
  for (std::int64_t a : kernel_transpose) out.push_back(reduced[static_cast<std::size_t>(a)]);
  std::vector<std::int64_t> expand = kernel_expand, squeeze = kernel_squeeze;
  std::sort(expand.begin(), expand.end());
  for (std::int64_t a : expand) out.insert(out.begin() + std::min<std::int64_t>(a, std::ssize(out)), 1);
  std::sort(squeeze.rbegin(), squeeze.rend());
  for (std::int64_t a : squeeze) out.erase(out.begin() + a);
  return out;
}

std::pair<std::int64_t, std::int64_t> EinsumQuantization::kernel_rows_columns(const Shape& kernel_shape) const {
  std::int64_t rows = 1, columns = 1;
  for (std::size_t i = 0; i < kernel_shape.size(); ++i) {
    const bool is_reduced =
        std::find(kernel_reduced.begin(), kernel_reduced.end(), static_cast<std::int64_t>(i)) != kernel_reduced.end();
    (is_reduced ? rows : columns) *= kernel_shape[i];
  }
  return {rows, columns};
}

Tensor EinsumQuantization::input_scale_to_output(const Tensor& scale) const {
  Tensor out = input_transpose.empty() ? scale : ops::permute(scale, input_transpose);
  std::vector<std::int64_t> expand = input_expand, squeeze = input_squeeze;
  std::sort(expand.begin(), expand.end());
  for (std::int64_t a : expand) out = out.expand_dims(a);
  std::sort(squeeze.rbegin(), squeeze.rend());
  for (std::int64_t a : squeeze) out = out.squeeze(a);
  return out;
}

}  // namespace kplug::layers::detail
