// Recycled tensor buffers, so that a steady-state predict does not go back to malloc (and, for
// big buffers, to the kernel: glibc unmaps big freed blocks and every call page-faults them
// back). docs/performance.md, "Buffer reuse", has the design.
//
// A BufferPool hands out 64-byte aligned blocks from free lists of size classes (four per
// power of two, so at most 25% is wasted). A block carries its shared_ptr's control block in
// its first 64 bytes: a pooled tensor buffer costs one free-list pop and no malloc. A pool is
// used by one thread at a time, the one it is current on (BufferPools::Lease); a block freed on
// that thread goes back to the pool's own lists, a block freed elsewhere (an output the caller
// drops after the call) goes to a lock-free list the pool drains when its own list is empty.
// Every block out holds a reference to its pool (an intrusive count: shared_ptr's copies cost
// several atomic operations per tensor), so a pool lives as long as its owner or its blocks do.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace kplug::detail {

class BufferPool {
 public:
  // The owner's reference: dropping it frees the pool once its last block is back.
  struct Release {
    void operator()(BufferPool* pool) const noexcept { pool->release(); }
  };
  using Ref = std::unique_ptr<BufferPool, Release>;
  static Ref create();

  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // The pool current on the calling thread, or null (Tensor then allocates as usual).
  static BufferPool* current() noexcept;
  // Makes `pool` current on the calling thread; returns the previous one.
  static BufferPool* make_current(BufferPool* pool) noexcept;

  // A 64-byte aligned buffer of at least `bytes`, a reused block when one of its class is
  // free. Only on the thread this pool is current on.
  std::shared_ptr<std::byte[]> allocate(std::size_t bytes);

  // Blocks this pool obtained from the system so far (tests: zero new ones in steady state).
  std::size_t system_allocations() const noexcept { return system_allocations_.load(std::memory_order_relaxed); }

  // A block of size class `class_index` back (from its control block's allocator,
  // buffer_pool.cpp); drops its reference.
  void give(void* block, std::size_t class_index) noexcept;

 private:
  BufferPool() = default;
  void* take(std::size_t class_index, std::size_t class_bytes);
  void release() noexcept;

  struct FreeBlock {
    FreeBlock* next;
  };
  static constexpr std::size_t kClasses = 240;

  std::array<FreeBlock*, kClasses> own_{};                  // the current thread's lists
  std::array<std::atomic<FreeBlock*>, kClasses> remote_{};  // blocks freed on other threads
  std::atomic<std::size_t> system_allocations_{0};
  std::atomic<std::size_t> refs_{1};  // the owner's + one per block out
};

// The pools of one model: each call leases an idle pool (or a new one) for its duration, so
// concurrent calls never share a pool and a steady stream of calls reuses the same blocks.
class BufferPools {
 public:
  class Lease {
   public:
    explicit Lease(BufferPools& owner);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    BufferPools& owner_;
    BufferPool::Ref pool_;
    BufferPool* previous_;
  };

 private:
  BufferPool::Ref take();
  void give(BufferPool::Ref pool) noexcept;

  std::mutex mutex_;
  std::vector<BufferPool::Ref> idle_;
};

}  // namespace kplug::detail
