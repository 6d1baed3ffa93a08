// Progress on stderr for slow loads: when the work is still going after `delay`, prints
// "kplug: loading WHAT ..." and, when it ends, " done (N.N s)" (or " failed"). Only when
// enabled (main: stderr is a terminal), so scripts and pipes never see it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

namespace kplug::cli {

class Progress {
 public:
  Progress(std::ostream& err, bool enabled, std::string what,
           std::chrono::milliseconds delay = std::chrono::milliseconds(1000));
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

 private:
  std::ostream& err_;
  std::string what_;
  std::chrono::steady_clock::time_point start_;
  int exceptions_at_start_;
  std::mutex mutex_;
  std::condition_variable finished_cv_;
  bool finished_ = false;
  bool shown_ = false;  // the watcher printed the start line
  std::thread watcher_;
};

}  // namespace kplug::cli
