// A file that appears at its target whole or not at all: written into an unnamed file of the
// target's folder (O_TMPFILE), synced, given a temporary name and renamed over the target at
// commit(). A process killed before commit leaves nothing behind (the unnamed file vanishes
// with it); one killed between the link and the rename (microseconds) leaves a
// `.<target>.tmp-*` file, which the next commit of the same target removes. On filesystems
// without O_TMPFILE a named temporary is used and removed on failure.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>

namespace kplug::saving::detail {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  void write(std::span<const std::byte> bytes);
  // Syncs and renames over the target. Throws FileError naming the target.
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path named_;  // the temporary's name, once it has one
  int fd_ = -1;
  bool committed_ = false;
};

// `bytes` as the whole new content of `target`, atomically (AtomicFile).
void write_file_atomically(const std::filesystem::path& target, std::span<const std::byte> bytes);

}  // namespace kplug::saving::detail
