#include "weights_arena.hpp"

#include <sys/mman.h>

#include <new>

namespace kplug::saving::detail {

// Transparent huge pages on advice: a 100 MB file costs ~50 page faults rather than ~25,000.
std::shared_ptr<void> map_arena(std::uint64_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  ::madvise(p, bytes, MADV_HUGEPAGE);  // advice: without it the memory is the same, in 4 KiB pages
  return std::shared_ptr<void>(p, [bytes](void* q) { ::munmap(q, bytes); });
}

}  // namespace kplug::saving::detail
