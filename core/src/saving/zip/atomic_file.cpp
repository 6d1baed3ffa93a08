#include "atomic_file.hpp"

#include "kplug/errors.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>

namespace kplug::saving::detail {
namespace {

std::string errno_text() { return std::strerror(errno); }

std::string temporary_suffix() {
  static std::atomic<unsigned> counter{0};
  std::random_device entropy;
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  return ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(static_cast<unsigned long long>(stamp) ^ entropy());
}

// Temporaries a process killed between link and rename left for this target.
void remove_stale(const std::filesystem::path& folder, const std::string& prefix, const std::filesystem::path& mine) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(prefix) && entry.path() != mine) {
      // Only files whose writer is gone: the pid is the first field after ".tmp-".
      const std::string rest = name.substr(prefix.size());
      const auto dash = rest.find('-');
      const std::string pid_text = rest.substr(0, dash);
      char* end = nullptr;
      const long pid = std::strtol(pid_text.c_str(), &end, 10);
      if (end == pid_text.c_str() || *end != '\0' || pid <= 0) continue;
      if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) continue;
      std::filesystem::remove(entry.path(), ec);
    }
  }
}

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path target) : target_(std::move(target)) {
  const std::string name = target_.string();
  if (target_.filename().empty()) throw FileError(name, "cannot save: the path names no file");
  const std::filesystem::path folder =
      target_.parent_path().empty() ? std::filesystem::path(".") : target_.parent_path();
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    throw FileError(name, "cannot save: folder '" + folder.string() + "' does not exist");
  }
  fd_ = ::open(folder.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  if (fd_ < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    for (int attempt = 0; attempt < 16 && fd_ < 0; ++attempt) {
      named_ = folder / ("." + target_.filename().string() + temporary_suffix());
      fd_ = ::open(named_.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    }
    if (fd_ < 0) named_.clear();
  }
  if (fd_ < 0) throw FileError(name, "cannot create a temporary file in '" + folder.string() + "': " + errno_text());
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !named_.empty()) {
    std::error_code ignored;
    std::filesystem::remove(named_, ignored);
  }
}

void AtomicFile::write(std::span<const std::byte> bytes) {
  const std::byte* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw FileError(target_.string(), "cannot write: " + errno_text());
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::commit() {
  const std::string name = target_.string();
  if (committed_) throw FileError(name, "the file was already committed");
  if (::fsync(fd_) != 0) throw FileError(name, "cannot sync to disk: " + errno_text());
  const std::filesystem::path folder =
      target_.parent_path().empty() ? std::filesystem::path(".") : target_.parent_path();
  const std::string prefix = "." + target_.filename().string() + ".tmp-";
  if (named_.empty()) {
    // Give the unnamed file a name next to the target, then rename it over the target.
    for (int attempt = 0; attempt < 16; ++attempt) {
      std::filesystem::path candidate = folder / ("." + target_.filename().string() + temporary_suffix());
      const std::string source = "/proc/self/fd/" + std::to_string(fd_);
      if (::linkat(AT_FDCWD, source.c_str(), AT_FDCWD, candidate.c_str(), AT_SYMLINK_FOLLOW) == 0) {
        named_ = std::move(candidate);
        break;
      }
      if (errno != EEXIST) throw FileError(name, "cannot name the temporary file: " + errno_text());
    }
    if (named_.empty()) throw FileError(name, "cannot name the temporary file");
  }
  ::close(fd_);
  fd_ = -1;
  std::error_code ec;
  std::filesystem::rename(named_, target_, ec);
  if (ec) throw FileError(name, "cannot move " + named_.string() + " into place: " + ec.message());
  committed_ = true;
  remove_stale(folder, prefix, named_);
  // The rename itself on disk.
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomically(const std::filesystem::path& target, std::span<const std::byte> bytes) {
  AtomicFile file(target);
  file.write(bytes);
  file.commit();
}

}  // namespace kplug::saving::detail
