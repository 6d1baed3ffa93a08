// The thread-count setting: one atomic, seeded from KPLUG_NUM_THREADS on first read.
#include "kplug/threading.hpp"

#include "kplug/errors.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace kplug {
namespace {

constexpr int kUnset = 0;

// The process-wide value (0: not set yet). A function-local static: no initialisation order to
// depend on, whichever library or plugin asks first.
std::atomic<int>& setting() {
  static std::atomic<int> threads{kUnset};
  return threads;
}

int from_environment() {
  const char* text = std::getenv("KPLUG_NUM_THREADS");
  if (text == nullptr || *text == '\0') {
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  }
  int value = 0;
  const char* end = text + std::strlen(text);
  const auto [stop, error] = std::from_chars(text, end, value);
  if (error != std::errc() || stop != end || value < 1) {
    throw ValueError("KPLUG_NUM_THREADS must be a positive integer (the threads one call may use), got '" +
                     std::string(text) + "'");
  }
  return value;
}

}  // namespace

int get_num_threads() {
  int threads = setting().load(std::memory_order_relaxed);
  if (threads != kUnset) return threads;
  int expected = kUnset;
  // Two first readers agree: whichever stores first wins, and set_num_threads beats both.
  setting().compare_exchange_strong(expected, from_environment(), std::memory_order_relaxed);
  return setting().load(std::memory_order_relaxed);
}

void set_num_threads(int threads) {
  if (threads < 1) {
    throw ValueError("set_num_threads: the number of threads must be at least 1, got " + std::to_string(threads));
  }
  setting().store(threads, std::memory_order_relaxed);
  Eigen::setNbThreads(threads);  // Eigen's GEMM (effective in an OpenMP build of Eigen only)
}

}  // namespace kplug
