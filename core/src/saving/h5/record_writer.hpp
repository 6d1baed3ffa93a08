// The reader process's records, buffered: a write per record field was most of a large file's
// read time. A failed write means the host is gone: the reader ends.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kplug::saving::detail {

class RecordWriter {
 public:
  explicit RecordWriter(int fd) : fd_(fd) { buffer_.reserve(kFlushAt + 4096); }
  template <class T>
  void put(T value) {
    buffer_.append(reinterpret_cast<const char*>(&value), sizeof value);
    if (buffer_.size() >= kFlushAt) flush();
  }
  void put_string(std::string_view s) {
    put<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    buffer_.append(s);
    if (buffer_.size() >= kFlushAt) flush();
  }
  void flush() {
    const char* p = buffer_.data();
    std::size_t size = buffer_.size();
    while (size > 0) {
      const ssize_t n = ::write(fd_, p, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::_exit(4);
      p += n;
      size -= static_cast<std::size_t>(n);
    }
    buffer_.clear();
  }

 private:
  static constexpr std::size_t kFlushAt = 64 * 1024;
  int fd_;
  std::string buffer_;
};

}  // namespace kplug::saving::detail
