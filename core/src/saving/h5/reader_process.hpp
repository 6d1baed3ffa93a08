// The isolated HDF5 reader's processes: forked once, then reused for later reads (issue 21: a
// fork per file cost ~10 ms of every load). Each process serves one request at a time over a
// socket; a pool keeps the idle ones, so several threads read at once, each with its own.
//
// A process that failed, timed out, sent anything unexpected or died is never reused: its
// owner drops it (killed and reaped) and the next read starts a fresh one. Idle processes end
// on their own when this process goes (their socket reads end of file).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kplug::saving::detail {

// One forked reader: its end of the socket, and its pid (killed and reaped on destruction).
class ReaderProcess {
 public:
  // The child's side: serves requests on `socket` (descriptor 3, every other descriptor but
  // 0-2 closed), never returns.
  using Serve = void (*)(int socket);

  // Forks a process running `serve`. Throws std::system_error when the system refuses.
  static std::unique_ptr<ReaderProcess> start(Serve serve);
  // Adopts a forked process (start() makes them).
  ReaderProcess(pid_t pid, int socket, pid_t owner) : pid_(pid), socket_(socket), owner_(owner) {}
  ReaderProcess(const ReaderProcess&) = delete;
  ReaderProcess& operator=(const ReaderProcess&) = delete;
  ~ReaderProcess();

  int socket() const noexcept { return socket_; }
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
  pid_t owner_;  // the process that forked it (after a fork of ours, the copy must not reap it)
  std::size_t served_ = 0;
};

// The idle readers. acquire() hands one out (or starts one); the holder gives it back with
// release() only after a request served to its end.
class ReaderPool {
 public:
  static constexpr std::size_t kMaxIdle = 4;
  static constexpr std::size_t kMaxRequests = 1000;  // then the process is replaced (bounded growth)

  std::unique_ptr<ReaderProcess> acquire(ReaderProcess::Serve serve);
  void release(std::unique_ptr<ReaderProcess> process);

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<ReaderProcess>> idle_;
};

// The process-wide pool (function-local: created on the first isolated read).
ReaderPool& reader_pool();

}  // namespace kplug::saving::detail
