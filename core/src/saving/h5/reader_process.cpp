// The isolated reader's processes and their pool (see reader_process.hpp).
#include "reader_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace kplug::saving::detail {
namespace {

[[noreturn]] void throw_errno(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

// The child's own bounds before it serves anything: default signal dispositions (inherited
// handlers, a test framework's or an embedding application's, must not catch a crash in here and
// resume the parent's code), no core file, and none of the parent's descriptors but its socket
// (a long-lived copy of a host's socket or pipe would keep its peer from seeing the end).
void restrict_child(int socket) {
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  if (socket != 3 && ::dup2(socket, 3) != 3) ::_exit(5);
  if (::close_range(4, ~0U, 0) != 0) {
    for (int fd = 4; fd < 65536; ++fd) ::close(fd);  // kernels before 5.9
  }
  const int null = ::open("/dev/null", O_RDWR);
  if (null >= 0) {
    ::dup2(null, 0);
    ::dup2(null, 1);  // stderr stays: sanitizers report there
    if (null > 3) ::close(null);
  }
}

}  // namespace

std::unique_ptr<ReaderProcess> ReaderProcess::start(Serve serve) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) throw_errno("socketpair");
  const pid_t owner = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(ends[0]);
    ::close(ends[1]);
    throw std::system_error(error, std::generic_category(), "fork");
  }
  if (pid == 0) {
    restrict_child(ends[1]);
    serve(3);
    ::_exit(0);
  }
  ::close(ends[1]);
  return std::make_unique<ReaderProcess>(pid, ends[0], owner);
}

ReaderProcess::~ReaderProcess() {
  ::close(socket_);
  if (owner_ == ::getpid()) {
    kill();
    wait();
  }
}

bool ReaderProcess::alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t done = 0;
  do {
    done = ::waitpid(pid_, &status, WNOHANG);
  } while (done < 0 && errno == EINTR);
  if (done == 0) return true;
  pid_ = -1;  // reaped (or not ours to reap)
  return false;
}

void ReaderProcess::kill() noexcept {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

int ReaderProcess::wait() noexcept {
  int status = 0;
  if (pid_ <= 0) return status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return status;
}

std::unique_ptr<ReaderProcess> ReaderPool::acquire(ReaderProcess::Serve serve) {
  std::vector<std::unique_ptr<ReaderProcess>> stale;  // dropped (killed, reaped) outside the lock
  {
    const std::lock_guard lock(mutex_);
    while (!idle_.empty()) {
      std::unique_ptr<ReaderProcess> process = std::move(idle_.back());
      idle_.pop_back();
      if (process->alive()) return process;
      stale.push_back(std::move(process));
    }
  }
  return ReaderProcess::start(serve);
}

void ReaderPool::release(std::unique_ptr<ReaderProcess> process) {
  if (process->served() >= kMaxRequests) return;  // dropped: a fresh one next time
  {
    const std::lock_guard lock(mutex_);
    if (idle_.size() < kMaxIdle) {
      idle_.push_back(std::move(process));
      return;
    }
  }
  process.reset();  // one too many: ended outside the lock
}

ReaderPool& reader_pool() {
  static ReaderPool pool;
  return pool;
}

}  // namespace kplug::saving::detail
