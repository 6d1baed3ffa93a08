// Server-side batching as TF Serving's: predict requests for one model wait in a bounded
// queue; a batch thread takes the oldest and merges the ones behind it (same servable, same
// row shape) up to max_batch_size rows or batch_timeout, runs one predict and splits the
// outputs back. A full queue refuses at once (503) instead of growing.
#pragma once

#include "kplug/serve/model_config.hpp"
#include "kplug/serve/servable.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#pragma GCC visibility push(default)
namespace kplug::serve {

struct BatchResult {
  std::vector<Tensor> outputs;  // this task's rows
  std::exception_ptr error;     // predict threw (or the deadline passed: a RequestError 408)
};

struct BatchTask {
  std::shared_ptr<const Servable> servable;
  std::vector<Tensor> inputs;  // batch first
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::function<void(BatchResult)> done;  // called once, on a batch thread
};

class Batcher {
 public:
  // `on_batch` (may be null) hears the rows of each predict call, for metrics.
  explicit Batcher(BatchingOptions options, std::function<void(std::int64_t rows)> on_batch = {});
  ~Batcher();  // stop()
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // False (and `task` untouched) when the queue is full or the batcher stopped.
  bool submit(BatchTask& task);
  // Runs what is queued, then joins the threads.
  void stop();
  std::size_t queued_tasks() const;

 private:
  struct Queued {
    BatchTask task;
    std::int64_t rows;
  };
  void run();
  std::vector<Queued> next_batch(std::unique_lock<std::mutex>& lock);
  void take_matching(std::vector<Queued>& batch, std::int64_t& rows);
  void execute(std::vector<Queued>& batch) const;

  BatchingOptions options_;
  std::function<void(std::int64_t)> on_batch_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;    // idle batch threads: the queue has a task
  std::condition_variable filled_;  // a thread collecting a batch: enough rows queued to fill it
  std::int64_t wanted_rows_ = 0;    // the fewest rows a collecting thread still waits for (0: none waits)
  std::deque<Queued> queue_;
  std::int64_t queued_rows_ = 0;
  bool stopping_ = false;
  std::vector<std::jthread> threads_;
};

}  // namespace kplug::serve
#pragma GCC visibility pop
