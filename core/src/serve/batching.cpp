#include "kplug/serve/batching.hpp"

#include "kplug/ops/shape.hpp"
#include "kplug/serve/request_codec.hpp"

namespace kplug::serve {
namespace {

std::int64_t rows_of(const BatchTask& task) {
  return task.inputs.empty() || task.inputs[0].rank() == 0 ? 1 : task.inputs[0].dim(0);
}

// Two tasks merge when they run on one servable and their rows have one shape and dtype.
bool mergeable(const BatchTask& a, const BatchTask& b) {
  if (a.servable != b.servable || a.inputs.size() != b.inputs.size()) return false;
  for (std::size_t i = 0; i < a.inputs.size(); ++i) {
    const Shape& x = a.inputs[i].shape();
    const Shape& y = b.inputs[i].shape();
    if (a.inputs[i].dtype() != b.inputs[i].dtype() || x.size() != y.size() || x.empty()) return false;
    if (!std::equal(x.begin() + 1, x.end(), y.begin() + 1)) return false;
  }
  return true;
}

}  // namespace

Batcher::Batcher(BatchingOptions options, std::function<void(std::int64_t)> on_batch)
    : options_(options), on_batch_(std::move(on_batch)) {
  for (int i = 0; i < std::max(options_.num_batch_threads, 1); ++i) threads_.emplace_back([this] { run(); });
}

Batcher::~Batcher() { stop(); }

bool Batcher::submit(BatchTask& task) {
  const std::int64_t rows = rows_of(task);
  bool filled = false;
  {
    const std::lock_guard lock(mutex_);
    // The bound: max_enqueued_batches full batches (without batching, that many requests).
    const bool full = options_.enabled ? queued_rows_ + rows > options_.max_enqueued_batches * options_.max_batch_size
                                       : static_cast<std::int64_t>(queue_.size()) >= options_.max_enqueued_batches;
    if (stopping_ || (full && !queue_.empty())) return false;
    queue_.push_back({std::move(task), rows});
    queued_rows_ += rows;
    // A collecting thread is woken once its batch can fill, not by every request (each wake-up
    // costs it a context switch and a look at the queue).
    filled = wanted_rows_ > 0 && queued_rows_ >= wanted_rows_;
    if (filled) wanted_rows_ = 0;
  }
  wake_.notify_one();
  if (filled) filled_.notify_all();
  return true;
}

void Batcher::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  filled_.notify_all();
  threads_.clear();  // jthread joins
}

std::size_t Batcher::queued_tasks() const {
  const std::lock_guard lock(mutex_);
  return queue_.size();
}

void Batcher::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything queued ran
    std::vector<Queued> batch = next_batch(lock);
    lock.unlock();
    execute(batch);
    lock.lock();
  }
}

// Called locked with a non-empty queue: the oldest task and, when batching, those behind it
// that merge with it, waiting up to batch_timeout for the batch to fill.
std::vector<Batcher::Queued> Batcher::next_batch(std::unique_lock<std::mutex>& lock) {
  std::vector<Queued> batch;
  batch.push_back(std::move(queue_.front()));
  queue_.pop_front();
  std::int64_t rows = batch.front().rows;
  queued_rows_ -= rows;
  if (!options_.enabled) return batch;
  const auto until = std::chrono::steady_clock::now() + options_.batch_timeout;
  while (true) {
    take_matching(batch, rows);
    if (rows >= options_.max_batch_size || stopping_) break;
    const std::int64_t need = options_.max_batch_size - rows;
    wanted_rows_ = wanted_rows_ > 0 ? std::min(wanted_rows_, need) : need;
    if (filled_.wait_until(lock, until) == std::cv_status::timeout) {
      take_matching(batch, rows);
      break;
    }
  }
  return batch;
}

void Batcher::take_matching(std::vector<Queued>& batch, std::int64_t& rows) {
  for (auto it = queue_.begin(); it != queue_.end() && rows < options_.max_batch_size;) {
    if (mergeable(batch.front().task, it->task) && rows + it->rows <= options_.max_batch_size) {
      rows += it->rows;
      queued_rows_ -= it->rows;
      batch.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
}

void Batcher::execute(std::vector<Queued>& batch) const {
  // Tasks whose deadline passed while queued are answered without running.
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(batch, [&](Queued& q) {
    if (q.task.deadline >= now) return false;
    q.task.done({{}, std::make_exception_ptr(RequestError(408, "Deadline exceeded while waiting for a batch"))});
    return true;
  });
  if (batch.empty()) return;
  std::vector<Tensor> inputs = batch.front().task.inputs;
  if (batch.size() > 1) {
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      std::vector<Tensor> parts;
      for (const Queued& q : batch) parts.push_back(q.task.inputs[i]);
      inputs[i] = ops::concatenate(parts, 0);
    }
  }
  std::int64_t total = 0;
  for (const Queued& q : batch) total += q.rows;
  if (on_batch_) on_batch_(total);
  std::vector<Tensor> outputs;
  try {
    outputs = batch.front().task.servable->predict(inputs);
  } catch (...) {
    for (Queued& q : batch) q.task.done({{}, std::current_exception()});
    return;
  }
  std::int64_t start = 0;
  for (Queued& q : batch) {
    BatchResult result;
    for (const Tensor& out : outputs) {
      result.outputs.push_back(batch.size() == 1 ? out : out.slice_rows(start, start + q.rows));
    }
    start += q.rows;
    q.task.done(std::move(result));
  }
}

}  // namespace kplug::serve
