#include "initializers/random_sampling.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"

#include <cmath>
#include <exception>
#include <numbers>
#include <string>

#include <pthread.h>

namespace kplug::initializers::detail {

namespace {

struct SeedSource {
  std::mt19937_64 engine;
  bool seeded = false;
};

SeedSource& thread_seed_source() {
  thread_local SeedSource source;
  return source;
}

// A forked child holds a copy of the forking thread's engine and would repeat the parent's
// seeds; the child handler (run in the child's only thread) makes it reseed, as Python's
// `random` does after fork.
void forget_seed_after_fork() { thread_seed_source().seeded = false; }

}  // namespace

std::uint64_t draw_seed() {
  // Opening the OS entropy source costs tens of microseconds (a syscall or more), far more
  // than deserializing a GlorotUniform dict; so each thread seeds one engine from it and
  // draws its seeds from that.
  static const int fork_handler = ::pthread_atfork(nullptr, nullptr, forget_seed_after_fork);
  static_cast<void>(fork_handler);
  SeedSource& source = thread_seed_source();
  if (!source.seeded) {
    try {
      std::random_device device;
      std::seed_seq sequence{device(), device(), device(), device()};
      source.engine.seed(sequence);
    } catch (const std::exception& e) {
      throw Error(std::string("cannot draw a seed for an initializer with seed=None: no OS entropy source (") +
                  e.what() + ")");
    }
    source.seeded = true;
  }
  return source.engine();
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

}  // namespace kplug::initializers::detail
