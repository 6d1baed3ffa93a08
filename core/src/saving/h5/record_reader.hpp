// The host's reading of a reader process's records (record_writer.hpp's other end): buffered,
// bounded by a deadline, every string capped by its caller.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace kplug::saving::detail {

// Thrown when the stream stops early (the reader's exit status then decides the message) or the
// deadline passes.
struct StreamEnded {};
struct TimedOut {};

class StreamReader {
 public:
  StreamReader(int fd, std::chrono::steady_clock::time_point deadline) : fd_(fd), deadline_(deadline) {}

  void read_exact(void* data, std::size_t size) {
    char* p = static_cast<char*>(data);
    while (size > 0) {
      if (next_ == filled_) refill();
      const std::size_t n = std::min(size, filled_ - next_);
      std::memcpy(p, buffer_.get() + next_, n);
      next_ += n;
      p += n;
      size -= n;
    }
  }

 private:
  // Reads what the pipe holds (up to the buffer's size), waiting at most until the deadline.
  void refill() {
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
      if (left.count() <= 0) throw TimedOut{};
      pollfd pfd{fd_, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30)));
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) continue;  // the deadline check above decides
      const ssize_t n = ::read(fd_, buffer_.get(), kBufferBytes);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw StreamEnded{};
      next_ = 0;
      filled_ = static_cast<std::size_t>(n);
      return;
    }
  }

 public:
  template <class T>
  T get() {
    T value{};
    read_exact(&value, sizeof value);
    return value;
  }
  std::string get_string(std::uint32_t max) {
    const auto size = get<std::uint32_t>();
    if (size > max) throw std::length_error("a string of " + std::to_string(size) + " bytes");
    std::string s(size, '\0');
    read_exact(s.data(), size);
    return s;
  }

 private:
  static constexpr std::size_t kBufferBytes = 64 * 1024;
  int fd_;
  std::chrono::steady_clock::time_point deadline_;
  // On the heap (callers may run on small stacks), not zeroed: a vector's 64 KiB memset showed in small loads.
  std::unique_ptr<char[]> buffer_ = std::make_unique_for_overwrite<char[]>(kBufferBytes);
  std::size_t next_ = 0;
  std::size_t filled_ = 0;
};

}  // namespace kplug::saving::detail
