#include "kplug/allocation_budget.hpp"

#include "kplug/errors.hpp"

#include <limits>
#include <string>

namespace kplug {
namespace {

// Per thread, so that one host thread's budget never changes another's work.
thread_local std::size_t current_budget = kDefaultAllocationBudget;

std::string shape_text(std::span<const std::int64_t> shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + (shape.size() == 1 ? ",)" : ")");
}

[[noreturn]] void refuse(std::string_view where, const std::string& what) {
  throw ValueError(std::string(where) + ": " + what + " exceeds the allocation budget of " +
                   std::to_string(current_budget) +
                   " bytes (raise it with kplug::AllocationBudgetScope if the size is intended)");
}

}  // namespace

std::size_t allocation_budget() noexcept { return current_budget; }

AllocationBudgetScope::AllocationBudgetScope(std::size_t max_bytes) noexcept : previous_(current_budget) {
  current_budget = max_bytes;
}

AllocationBudgetScope::~AllocationBudgetScope() { current_budget = previous_; }

std::size_t check_allocation(std::uint64_t count, std::size_t element_size, std::string_view where) {
  const std::string what = std::to_string(count) + " elements of " + std::to_string(element_size) + " bytes";
  if (element_size != 0 && count > std::numeric_limits<std::size_t>::max() / element_size) {
    refuse(where, what + " (more than 2^64 bytes)");
  }
  const std::size_t bytes = static_cast<std::size_t>(count) * element_size;
  if (bytes > current_budget) refuse(where, what + " (" + std::to_string(bytes) + " bytes)");
  return bytes;
}

std::size_t check_allocation(std::span<const std::int64_t> shape, std::size_t element_size, std::string_view where) {
  std::uint64_t count = 1;
  bool overflow = false;
  for (std::int64_t d : shape) {
    if (d < 0) throw ValueError(std::string(where) + ": negative dimension in shape " + shape_text(shape));
    const auto dim = static_cast<std::uint64_t>(d);
    if (dim == 0) return 0;  // empty whatever the other dims
    if (count > std::numeric_limits<std::uint64_t>::max() / dim)
      overflow = true;
    else
      count *= dim;
  }
  const std::string what = "shape " + shape_text(shape) + " of " + std::to_string(element_size) + "-byte elements";
  if (overflow || (element_size != 0 && count > std::numeric_limits<std::size_t>::max() / element_size)) {
    refuse(where, what + " (more than 2^64 bytes)");
  }
  const std::size_t bytes = static_cast<std::size_t>(count) * element_size;
  if (bytes > current_budget) refuse(where, what + " (" + std::to_string(bytes) + " bytes)");
  return bytes;
}

}  // namespace kplug
