// The isolated HDF5 reader's processes: kplug-h5-reader executables started with posix_spawn
// (no fork of the host: forking a multi-threaded host copies locks other threads hold, and a
// sanitizer's allocator deadlocked such a child), then reused for later reads (issue 21: a
// fresh process per file cost milliseconds of every load). Each process serves one request at
// a time over a socket; a pool keeps the idle ones, so several threads read at once, each with
// its own.
//
// A process that failed, timed out, sent anything unexpected or died is never reused: its
// owner drops it (killed and reaped) and the next read starts a fresh one. Idle processes end
// on their own when this process goes (their socket reads end of file).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kplug::saving::detail {

// One reader process: its end of the socket, and its pid (killed and reaped on destruction).
class ReaderProcess {
 public:
  // Starts `executable` with its end of a new socket on descriptor 3, /dev/null on 0 and 1,
  // stderr shared (sanitizers report there), default signal handling and no other descriptor.
  // Throws std::system_error when it cannot be started (ENOENT: no such executable).
  static std::unique_ptr<ReaderProcess> start(const std::filesystem::path& executable);
  // Adopts a started process (start() makes them).
  ReaderProcess(pid_t pid, int socket, pid_t owner, std::filesystem::path executable)
      : pid_(pid), socket_(socket), owner_(owner), executable_(std::move(executable)) {}
  ReaderProcess(const ReaderProcess&) = delete;
  ReaderProcess& operator=(const ReaderProcess&) = delete;
  ~ReaderProcess();

  int socket() const noexcept { return socket_; }
  const std::filesystem::path& executable() const noexcept { return executable_; }
  // Requests served to the end (a process is retired after kMaxRequests).
  std::size_t served() const noexcept { return served_; }
  void count_served() noexcept { ++served_; }
  // Still running (not exited, not killed)?
  bool alive();
  void kill() noexcept;
  // Waits for the process to end; its waitpid status.
  int wait() noexcept;

 private:
  pid_t pid_;
  int socket_;
  pid_t owner_;  // the process that started it (after a fork of the host, the copy must not reap it)
  std::filesystem::path executable_;
  std::size_t served_ = 0;
};

// The idle readers. acquire() hands one out (or starts one); the holder gives it back with
// release() only after a request served to its end.
class ReaderPool {
 public:
  static constexpr std::size_t kMaxIdle = 4;
  static constexpr std::size_t kMaxRequests = 1000;  // then the process is replaced (bounded growth)

  // An idle reader started from `executable`, or a new one.
  std::unique_ptr<ReaderProcess> acquire(const std::filesystem::path& executable);
  void release(std::unique_ptr<ReaderProcess> process);

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<ReaderProcess>> idle_;
};

// The process-wide pool (function-local: created on the first isolated read).
ReaderPool& reader_pool();

// kplug-h5-reader in the folder libkplug_saving was loaded from (the build tree and an install
// both put it there), found once through dladdr.
const std::filesystem::path& default_reader_executable();

}  // namespace kplug::saving::detail
