#include "tensor/buffer_pool.hpp"

#include <algorithm>
#include <bit>
#include <new>
#include <utility>

namespace kplug::detail {
namespace {

constexpr std::size_t kLine = 64;    // Tensor::kAlignment
constexpr std::size_t kHeader = 64;  // room for the shared_ptr control block before the data

__attribute__((tls_model("initial-exec"))) thread_local BufferPool* t_current = nullptr;

struct SizeClass {
  std::size_t index;
  std::size_t bytes;
};

// Exact up to 8 lines of 64 bytes, then four classes per power of two.
SizeClass size_class(std::size_t bytes) {
  const std::size_t lines = std::max<std::size_t>(1, (bytes + kLine - 1) / kLine);
  if (lines <= 8) return {lines - 1, lines * kLine};
  const auto e = static_cast<std::size_t>(std::bit_width(lines - 1) - 1);  // 2^e < lines <= 2^(e+1)
  const std::size_t step = std::size_t{1} << (e - 2);
  const std::size_t quarters = (lines + step - 1) / step;  // 5 to 8
  return {8 + (e - 3) * 4 + (quarters - 5), quarters * step * kLine};
}

// The control block lives in the block's header; releasing it gives the whole block back.
template <class T>
struct HeaderAllocator {
  using value_type = T;

  HeaderAllocator(BufferPool* p, std::byte* b, std::size_t c) noexcept : pool(p), block(b), class_index(c) {}
  template <class U>
  HeaderAllocator(const HeaderAllocator<U>& other) noexcept  // NOLINT: rebinding is implicit
      : pool(other.pool), block(other.block), class_index(other.class_index) {}

  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= kLine);
    if (n * sizeof(T) > kHeader) throw std::bad_alloc();
    return reinterpret_cast<T*>(block);
  }
  void deallocate(T*, std::size_t) noexcept { pool->give(block, class_index); }

  template <class U>
  bool operator==(const HeaderAllocator<U>& other) const noexcept {
    return block == other.block;
  }

  BufferPool* pool;  // alive: the block holds a reference until give()
  std::byte* block;
  std::size_t class_index;
};

// The data needs no destruction: its memory goes back with the control block.
struct KeepBlock {
  void operator()(std::byte*) const noexcept {}
};

}  // namespace

// The constructor is private (pools live behind a Ref), so no make_unique.
BufferPool::Ref BufferPool::create() { return Ref(new BufferPool); }

void BufferPool::release() noexcept {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    const std::unique_ptr<BufferPool> last(this);  // the last reference: deleted here
  }
}

BufferPool::~BufferPool() {
  for (std::size_t c = 0; c < kClasses; ++c) {
    for (FreeBlock* list : {own_[c], remote_[c].load(std::memory_order_acquire)}) {
      while (list) {
        FreeBlock* next = list->next;
        ::operator delete (static_cast<void*>(list), std::align_val_t{kLine});
        list = next;
      }
    }
  }
}

BufferPool* BufferPool::current() noexcept { return t_current; }

BufferPool* BufferPool::make_current(BufferPool* pool) noexcept { return std::exchange(t_current, pool); }

void* BufferPool::take(std::size_t class_index, std::size_t class_bytes) {
  FreeBlock*& head = own_[class_index];
  if (!head) head = remote_[class_index].exchange(nullptr, std::memory_order_acquire);
  if (FreeBlock* block = head) {
    head = block->next;
    return block;
  }
  system_allocations_.fetch_add(1, std::memory_order_relaxed);
  return ::operator new (class_bytes, std::align_val_t{kLine});
}

void BufferPool::give(void* block, std::size_t index) noexcept {
  auto* node = ::new (block) FreeBlock{nullptr};
  if (t_current == this) {  // the thread using the pool: no other thread touches own_
    node->next = own_[index];
    own_[index] = node;
  } else {
    std::atomic<FreeBlock*>& head = remote_[index];
    node->next = head.load(std::memory_order_relaxed);
    while (!head.compare_exchange_weak(node->next, node, std::memory_order_release, std::memory_order_relaxed)) {
    }
  }
  release();
}

std::shared_ptr<std::byte[]> BufferPool::allocate(std::size_t bytes) {
  const SizeClass c = size_class(kHeader + bytes);
  if (c.index >= kClasses) throw std::bad_alloc();
  auto* block = static_cast<std::byte*>(take(c.index, c.bytes));
  refs_.fetch_add(1, std::memory_order_relaxed);  // the owner holds one: the count is not 0
  return std::shared_ptr<std::byte[]>(block + kHeader, KeepBlock{}, HeaderAllocator<std::byte>(this, block, c.index));
}

BufferPools::Lease::Lease(BufferPools& owner)
    : owner_(owner), pool_(owner.take()), previous_(BufferPool::make_current(pool_.get())) {}

BufferPools::Lease::~Lease() {
  BufferPool::make_current(previous_);
  owner_.give(std::move(pool_));
}

BufferPool::Ref BufferPools::take() {
  {
    const std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      BufferPool::Ref pool = std::move(idle_.back());
      idle_.pop_back();
      return pool;
    }
  }
  return BufferPool::create();
}

void BufferPools::give(BufferPool::Ref pool) noexcept {
  const std::lock_guard lock(mutex_);
  try {
    idle_.push_back(std::move(pool));
  } catch (const std::bad_alloc&) {
    // Out of memory: the pool is dropped (its blocks freed) instead of kept for the next call.
  }
}

}  // namespace kplug::detail
