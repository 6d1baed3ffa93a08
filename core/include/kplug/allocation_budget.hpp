// One budget for allocations whose size comes from data (a config, a shape a host passes on):
// checked with overflow-safe arithmetic before allocating, so a hostile or mistaken size is a
// clear ValueError naming where it came from and how many bytes it asked for, not bad_alloc.
//
// The budget is per thread (each thread starts with kDefaultAllocationBudget); a host sets
// its own for a region of code with AllocationBudgetScope:
//   kplug::AllocationBudgetScope budget(std::size_t{8} << 30);  // allow up to 8 GiB at once
//   auto kernel = (*initializer)({50000, 4096});
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// Bytes one data-sized allocation may take unless the host says otherwise: 4 GiB.
inline constexpr std::size_t kDefaultAllocationBudget = std::size_t{4} << 30;

// The calling thread's budget, in bytes, for one allocation.
std::size_t allocation_budget() noexcept;

// Sets the calling thread's budget while alive; restores the previous one on destruction.
class AllocationBudgetScope {
 public:
  explicit AllocationBudgetScope(std::size_t max_bytes) noexcept;
  ~AllocationBudgetScope();
  AllocationBudgetScope(const AllocationBudgetScope&) = delete;
  AllocationBudgetScope& operator=(const AllocationBudgetScope&) = delete;

 private:
  std::size_t previous_;
};

// `count` elements of `element_size` bytes: returns the byte size, or throws ValueError naming
// `where` (a JSON path, or the object and argument) and the size when it overflows or exceeds
// the budget.
std::size_t check_allocation(std::uint64_t count, std::size_t element_size, std::string_view where);

// The same for a shape (the element count is the product of the dims, checked for overflow;
// a negative dim is a ValueError too). For tensors: check_allocation(shape, sizeof(float), where).
std::size_t check_allocation(std::span<const std::int64_t> shape, std::size_t element_size, std::string_view where);

}  // namespace kplug
#pragma GCC visibility pop
