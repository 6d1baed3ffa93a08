// The isolated reader's processes and their pool (see reader_process.hpp).
#include "reader_process.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

extern char** environ;

namespace kplug::saving::detail {
namespace {

[[noreturn]] void throw_errno(int error, const char* what) {
  throw std::system_error(error, std::generic_category(), what);
}

// posix_spawn's attributes and descriptor actions, released on every path.
struct SpawnSetup {
  posix_spawnattr_t attributes{};
  posix_spawn_file_actions_t actions{};
  SpawnSetup() {
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_init(&actions);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
};

// The reader's bounds from its first instruction: default signal dispositions and an empty mask
// (a host's handlers must not catch a crash in there), and none of the host's descriptors but
// the socket (a long-lived copy of a host's socket or pipe would keep its peer from seeing the
// end). `socket` is above 3 (see start()), so the dup2 always makes a new, inheritable descriptor.
void restrict_reader(SpawnSetup& setup, int socket) {
  sigset_t all;
  sigfillset(&all);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&setup.attributes, &all);
  posix_spawnattr_setsigmask(&setup.attributes, &none);
  posix_spawnattr_setflags(&setup.attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&setup.actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, socket, 3);
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, 4);
}

}  // namespace

std::unique_ptr<ReaderProcess> ReaderProcess::start(const std::filesystem::path& executable) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) throw_errno(errno, "socketpair");
  // The reader's end above 3 (both close-on-exec; the spawn's dup2 gives the reader its copy).
  const int reader_end = ::fcntl(ends[1], F_DUPFD_CLOEXEC, 4);
  const int dup_error = errno;
  ::close(ends[1]);
  if (reader_end < 0) {
    ::close(ends[0]);
    throw_errno(dup_error, "fcntl");
  }
  SpawnSetup setup;
  restrict_reader(setup, reader_end);
  const std::string program = executable.string();
  char* argv[] = {const_cast<char*>(program.c_str()), nullptr};
  pid_t pid = -1;
  const int error = ::posix_spawn(&pid, program.c_str(), &setup.actions, &setup.attributes, argv, environ);
  ::close(reader_end);
  if (error != 0) {
    ::close(ends[0]);
    throw_errno(error, "posix_spawn");
  }
  return std::make_unique<ReaderProcess>(pid, ends[0], ::getpid(), executable);
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

std::unique_ptr<ReaderProcess> ReaderPool::acquire(const std::filesystem::path& executable) {
  std::vector<std::unique_ptr<ReaderProcess>> stale;  // dropped (killed, reaped) outside the lock
  {
    const std::lock_guard lock(mutex_);
    for (std::size_t i = idle_.size(); i-- > 0;) {
      if (idle_[i]->executable() != executable) continue;
      std::unique_ptr<ReaderProcess> process = std::move(idle_[i]);
      idle_.erase(idle_.begin() + static_cast<std::ptrdiff_t>(i));
      if (process->alive()) return process;
      stale.push_back(std::move(process));
    }
  }
  return ReaderProcess::start(executable);
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

const std::filesystem::path& default_reader_executable() {
  static const std::filesystem::path executable = [] {
    Dl_info info{};
    if (::dladdr(reinterpret_cast<const void*>(&default_reader_executable), &info) == 0 || !info.dli_fname) {
      return std::filesystem::path("kplug-h5-reader");  // not found: start() then names this
    }
    std::error_code error;
    const std::filesystem::path library = std::filesystem::absolute(info.dli_fname, error);
    return library.parent_path() / "kplug-h5-reader";
  }();
  return executable;
}

}  // namespace kplug::saving::detail
