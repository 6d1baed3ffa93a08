// Reading the zip archives Keras writes (`.keras`), safely, through libzip.
//
// Nothing is ever extracted: members are read into memory, each under a byte cap counted
// while inflating (never taken from the sizes the headers declare). Opening the archive checks
// every member's name first: duplicates, absolute names, `..` components, backslashes and
// links (Unix mode S_IFLNK) are refused, so no member can point outside the archive. Errors
// are FileErrors naming the archive and the member.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kplug/errors.hpp"

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::saving {

// A member refused by a safety check (link, `..`, absolute or duplicate name, a cap exceeded).
class ArchiveUnsafeError : public FileError {
 public:
  using FileError::FileError;
  ~ArchiveUnsafeError() override;
};

// Caps applied while reading (lower them in tests). Bytes are counted as they are inflated.
struct ArchiveLimits {
  std::uint64_t max_config_bytes = std::uint64_t{64} << 20;   // config.json, metadata.json
  std::uint64_t max_weights_bytes = std::uint64_t{16} << 30;  // model.weights.h5
  std::uint64_t max_asset_bytes = std::uint64_t{4} << 30;     // all assets/ members together
  std::uint64_t max_members = 100000;                         // entries in the central directory
  std::uint64_t max_archive_bytes = std::uint64_t{64} << 30;  // the .keras file itself
};

struct ArchiveMember {
  std::string name;
  std::uint64_t declared_size = 0;    // uncompressed size from the central directory (untrusted)
  std::uint64_t compressed_size = 0;  // stored bytes
  std::uint16_t method = 0;           // 0 STORED, 8 DEFLATE
  bool is_directory = false;          // name ends with '/'
};

class ZipArchiveReader {
 public:
  // Opens and checks the whole member list. FileError when the file is missing, not a zip,
  // truncated, or holds a refused member (ArchiveUnsafeError).
  static ZipArchiveReader open(const std::filesystem::path& file, ArchiveLimits limits = {});
  // The same over bytes in memory (fuzzing); `name` is used in messages. The bytes must outlive the reader.
  static ZipArchiveReader open_image(std::span<const std::byte> image, std::string name, ArchiveLimits limits = {});

  ZipArchiveReader(ZipArchiveReader&&) noexcept;
  ZipArchiveReader& operator=(ZipArchiveReader&&) noexcept;
  ~ZipArchiveReader();

  const std::string& file_name() const noexcept;
  const ArchiveLimits& limits() const noexcept;
  // In central-directory order.
  const std::vector<ArchiveMember>& members() const noexcept;
  bool contains(std::string_view name) const noexcept;

  // Reads a member whole, refusing it past `max_bytes` inflated bytes (ArchiveUnsafeError)
  // and when its data is truncated or corrupt (FileError). A missing member: FileError.
  std::string read(std::string_view name, std::uint64_t max_bytes) const;
  // The same in chunks handed to `sink` as they are inflated (no whole copy in memory).
  void read_chunks(std::string_view name, std::uint64_t max_bytes,
                   const std::function<void(std::span<const std::byte>)>& sink) const;

 private:
  struct Impl;
  explicit ZipArchiveReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One member to write: its name, its bytes and its modification time (Keras writes
// metadata.json and config.json dated 1980-01-01 00:00, the weights with the save time).
struct ZipMemberData {
  std::string name;
  std::span<const std::byte> data;
  bool dated_now = false;
};

// A zip archive as Keras's zipfile writes it: members STORED, in the given order, Unix mode
// 0600. Returned as bytes (the caller writes them atomically).
std::vector<std::byte> write_zip_image(const std::vector<ZipMemberData>& members, const std::string& name_for_errors);

}  // namespace kplug::saving
#pragma GCC visibility pop
