#include "initializers/random_sampling.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"

#include <cmath>
#include <numbers>
#include <string>

namespace kplug::initializers::detail {

std::uint64_t draw_seed() {
  std::random_device device;
  const std::uint64_t high = device();
  return (high << 32) ^ static_cast<std::uint64_t>(device());
}

double Sampler::uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

double Sampler::standard_normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // 1 - u lies in (0, 1], so the logarithm is finite.
  const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform01()));
  const double angle = 2.0 * std::numbers::pi * uniform01();
  spare_ = radius * std::sin(angle);
  has_spare_ = true;
  return radius * std::cos(angle);
}

double Sampler::truncated_standard_normal() {
  for (;;) {
    const double z = standard_normal();
    if (std::fabs(z) <= 2.0) return z;
  }
}

double require_finite(double value, const char* name) {
  if (!std::isfinite(value)) {
    throw ValueError(std::string("Argument `") + name + "` must be a finite number. Received: " + name + "=" +
                     json::format_double(value));
  }
  return value;
}

}  // namespace kplug::initializers::detail
