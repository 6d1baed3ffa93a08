// An open regular file's bytes in memory, for libhdf5's in-memory driver (an archive member
// buffered in a memfd: HDF5 cannot open it by a /proc/self/fd path).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace kplug::saving::detail {

class FileImage {
 public:
  // Small files are read into the heap (one pread: a mapping's munmap flushes the TLB, which
  // cost more than the copy for the archives of small models), large ones are mapped.
  // Throws h5::H5Error naming `name`.
  static FileImage load(int fd, const std::string& name);

  std::span<const std::byte> bytes() const noexcept { return {data_.get(), size_}; }

 private:
  static constexpr std::size_t kReadBelow = std::size_t{4} << 20;
  std::shared_ptr<const std::byte> data_;
  std::size_t size_ = 0;
};

}  // namespace kplug::saving::detail
