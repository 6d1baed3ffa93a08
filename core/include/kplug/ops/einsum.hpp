// numpy's einsum for two operands, as one (batched) GEMM after permutes.
//
// Letters in both operands and the output are batch axes, letters in both operands only
// are contracted, letters of one operand and the output are free; a letter of one operand
// only is summed first. "..." stands for the same leading (or trailing) axes in every term
// that has it. The operand order, GEMM transposes and contracted-axis order are chosen to
// avoid permute copies where the layout allows (a projection "abc,cde->abde" is one GEMM).
#pragma once

#include "kplug/tensor.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::ops {

// An equation split into its terms, "..." expanded to letters for the given ranks.
struct EinsumTerms {
  std::string lhs, rhs, out;
};

// ValueError for a malformed equation or ranks that do not match it; NotSupportedError
// for forms kplug does not compute (one or three operands, no "->", a letter repeated
// within one term).
EinsumTerms parse_einsum(std::string_view equation, std::int64_t lhs_rank, std::int64_t rhs_rank);

// float32 only. ValueError when a letter has two different sizes (no size-1 broadcasting).
Tensor einsum(std::string_view equation, const Tensor& a, const Tensor& b);

}  // namespace kplug::ops

#pragma GCC visibility pop
