// What the host and the isolated HDF5 reader process (kplug-h5-reader) say to each other over
// their socket. The host sends a request (RequestHeader, then the file's absolute path) with two
// descriptors (SCM_RIGHTS): the file, and an empty memfd for the datasets' bytes. The reader
// answers with records: groups, `name` attributes, string attributes, datasets (in the file at an
// offset, or written into the memfd at the place dataset_layout gives), then an end record or a
// failure record. Both sides are built from this header; kProtocol catches a stale reader binary.
#pragma once

#include "kplug/saving/h5_reader.hpp"
#include "read_loaded.hpp"

#include <cstdint>
#include <type_traits>

namespace kplug::saving::detail {

// The reader process's heap: allocations below kReaderHeapBelow come from the heap (glibc maps
// larger ones on their own), and up to kReaderHeapKept of free memory stays there between requests.
inline constexpr int kReaderHeapBelow = 8 << 20;
inline constexpr int kReaderHeapKept = 32 << 20;

// Bumped whenever a request or a record changes shape.
inline constexpr std::uint32_t kProtocol = 0x6b480002;  // "kH", version 2

// The reader's exit statuses the host turns into messages (others: "the reader exited with N").
inline constexpr int kExitBadRequest = 5;     // a malformed request (only the host writes there)
inline constexpr int kExitWrongProtocol = 6;  // a reader from another kplug build
inline constexpr int kExitNotStarted = 7;     // run without the socket on descriptor 3

enum Record : char { kGroup = 'G', kDataset = 'D', kName = 'A', kAttribute = 'T', kFailure = 'X', kEnd = 'E' };

struct RequestHeader {
  std::uint32_t protocol;
  h5::ReadLimits limits;
  std::uint64_t child_memory_bytes;
  std::uint64_t max_total_bytes;
  std::int64_t timeout_ms;
  std::uint32_t path_bytes;
  std::uint8_t image;            // read the descriptor as an in-memory image (an archive member)
  std::uint8_t with_attributes;  // send every string attribute too
};
static_assert(std::is_trivially_copyable_v<RequestHeader>);

// A dataset's bytes as handed over (in its loaded_dtype).
inline std::uint64_t loaded_bytes(const h5::DatasetInfo& info) {
  return info.element_count * dtype_size(loaded_dtype(info.dtype));
}

// Datasets are laid out one after the other in a buffer, each 64-byte aligned (Tensor's
// alignment, checked where tensors adopt them: whole SIMD packets past each end stay inside).
inline constexpr std::uint64_t kSlotAlignment = 64;
inline std::uint64_t slot_end(std::uint64_t offset, std::uint64_t bytes) {
  return (offset + bytes + kSlotAlignment - 1) / kSlotAlignment * kSlotAlignment;
}

}  // namespace kplug::saving::detail
