#include "weights_arena.hpp"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace kplug::saving::detail {
namespace {

// Below this the heap serves the arena: a mapping's munmap flushes the TLB (costly under a
// hypervisor), more than small models' datasets take to read.
constexpr std::uint64_t kMapFrom = std::uint64_t{1} << 20;
constexpr std::size_t kAlignment = 64;  // Tensor::kAlignment (slot_end's)

}  // namespace

std::shared_ptr<void> map_arena(std::uint64_t bytes) {
  if (bytes < kMapFrom) {
    const std::size_t size = (static_cast<std::size_t>(bytes) + kAlignment - 1) / kAlignment * kAlignment;
    void* p = std::aligned_alloc(kAlignment, size);
    if (p == nullptr) throw std::bad_alloc();
    std::memset(p, 0, size);  // as a fresh mapping: the padding between datasets reads as zeros
    return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
  }
  // Transparent huge pages on advice: a 100 MB file costs ~50 page faults rather than ~25,000.
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  ::madvise(p, bytes, MADV_HUGEPAGE);  // advice: without it the memory is the same, in 4 KiB pages
  return std::shared_ptr<void>(p, [bytes](void* q) { ::munmap(q, bytes); });
}

}  // namespace kplug::saving::detail
