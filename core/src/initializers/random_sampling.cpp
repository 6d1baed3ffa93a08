#include "initializers/random_sampling.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"

#include <cmath>
#include <numbers>
#include <string>

namespace kplug::initializers::detail {

std::uint64_t draw_seed() {
  // Opening the OS entropy source costs tens of microseconds (a syscall or more), far more
  // than deserializing a GlorotUniform dict; so each thread seeds one engine from it once
  // and draws its seeds from that, as Keras draws them from Python's `random`.
  thread_local std::mt19937_64 seeds = [] {
    std::random_device device;
    std::seed_seq sequence{device(), device(), device(), device()};
    return std::mt19937_64(sequence);
  }();
  return seeds();
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
