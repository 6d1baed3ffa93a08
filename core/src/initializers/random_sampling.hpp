// Seeded sampling for the random initializers. The distributions are written here
// (not std::normal_distribution, whose algorithm each standard library chooses) so a
// seed gives the same values with every compiler and library.
#pragma once

#include "kplug/allocation_budget.hpp"
#include "kplug/number.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>
#include <random>
#include <string>

namespace kplug::initializers::detail {

// A fresh seed from the operating system (Keras's make_default_seed).
std::uint64_t draw_seed();

class Sampler {
 public:
  explicit Sampler(std::uint64_t seed) : engine_(seed) {}
  // Uniform in [0, 1), 53 random bits.
  double uniform01();
  // N(0, 1) by the Box-Muller transform (both values of a pair are used).
  double standard_normal();
  // N(0, 1) redrawn while |z| > 2: Keras's truncated normal before scaling.
  double truncated_standard_normal();

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// A float32 tensor of `shape` whose elements are `draw(sampler)` in row-major order.
template <class Draw>
Tensor sample_tensor(const Shape& shape, const std::string& initializer, std::uint64_t seed, Draw draw) {
  check_allocation(shape, sizeof(float), initializer + " initializer");
  Tensor out(shape);
  Sampler sampler(seed);
  for (float& v : out.values()) v = to_float32(draw(sampler));
  return out;
}

}  // namespace kplug::initializers::detail
