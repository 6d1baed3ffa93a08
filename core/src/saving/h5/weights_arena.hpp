// The memory a loaded file's datasets live in, which the tensors over it share (copy-on-write).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace kplug::saving::detail {

// `bytes` of fresh anonymous memory, unmapped when the last tensor over it goes.
std::shared_ptr<void> map_arena(std::uint64_t bytes);

inline std::byte* at(const std::shared_ptr<void>& arena, std::uint64_t offset) {
  return static_cast<std::byte*>(arena.get()) + offset;
}

}  // namespace kplug::saving::detail
