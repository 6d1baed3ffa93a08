#include "progress.hpp"

#include <cstdio>
#include <exception>

namespace kplug::cli {

Progress::Progress(std::ostream& err, bool enabled, std::string what, std::chrono::milliseconds delay)
    : err_(err),
      what_(std::move(what)),
      start_(std::chrono::steady_clock::now()),
      exceptions_at_start_(std::uncaught_exceptions()) {
  if (!enabled) return;
  watcher_ = std::thread([this, delay] {
    std::unique_lock lock(mutex_);
    if (finished_cv_.wait_for(lock, delay, [this] { return finished_; })) return;
    err_ << "kplug: loading " << what_ << " ..." << std::flush;
    shown_ = true;
  });
}

Progress::~Progress() {
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  finished_cv_.notify_all();
  if (!watcher_.joinable()) return;
  watcher_.join();
  if (!shown_) return;
  if (std::uncaught_exceptions() > exceptions_at_start_) {
    err_ << " failed\n";  // the error message follows
    return;
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start_;
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", took.count());
  err_ << " done (" << seconds << " s)\n" << std::flush;
}

}  // namespace kplug::cli
