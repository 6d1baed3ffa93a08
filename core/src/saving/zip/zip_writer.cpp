// write_zip_image: an archive laid out as Python's zipfile writes Keras's (STORED, mode 0600).
#include "kplug/saving/zip_archive.hpp"

#include <zip.h>

#include <ctime>

namespace kplug::saving {
namespace {

struct SourceFree {
  void operator()(zip_source_t* source) const noexcept { zip_source_free(source); }
};

[[noreturn]] void fail(const std::string& name, const std::string& what, zip_t* archive,
                       const std::string& member = {}) {
  const std::string reason = archive ? zip_strerror(archive) : "";
  throw FileError(name, what + (reason.empty() ? "" : ": " + reason), member);
}

}  // namespace

std::vector<std::byte> write_zip_image(const std::vector<ZipMemberData>& members, const std::string& name) {
  zip_error_t error;
  zip_error_init(&error);
  std::unique_ptr<zip_source_t, SourceFree> buffer(zip_source_buffer_create(nullptr, 0, 0, &error));
  zip_error_fini(&error);
  if (!buffer) throw FileError(name, "cannot create an in-memory zip archive");
  zip_source_keep(buffer.get());  // the archive's close must not free it: its bytes are read below
  zip_error_init(&error);
  zip_t* archive = zip_open_from_source(buffer.get(), ZIP_TRUNCATE, &error);
  zip_error_fini(&error);
  if (!archive) throw FileError(name, "cannot create an in-memory zip archive");
  const std::time_t now = std::time(nullptr);
  try {
    for (const ZipMemberData& member : members) {
      zip_source_t* data = zip_source_buffer(archive, member.data.data(), member.data.size(), 0);
      if (!data) fail(name, "cannot add the member", archive, member.name);
      const zip_int64_t index = zip_file_add(archive, member.name.c_str(), data, ZIP_FL_ENC_GUESS);
      if (index < 0) {
        zip_source_free(data);
        fail(name, "cannot add the member", archive, member.name);
      }
      const auto i = static_cast<zip_uint64_t>(index);
      // zipfile's defaults for zf.open(name, "w"): stored, -rw-------, and 1980-01-01 00:00
      // (DOS date 0x21) unless dated.
      const bool ok = zip_set_file_compression(archive, i, ZIP_CM_STORE, 0) == 0 &&
                      zip_file_set_external_attributes(archive, i, 0, ZIP_OPSYS_UNIX, 0600u << 16) == 0 &&
                      (member.dated_now ? zip_file_set_mtime(archive, i, now, 0) == 0
                                        : zip_file_set_dostime(archive, i, 0, 0x21, 0) == 0);
      if (!ok) fail(name, "cannot set the member's attributes", archive, member.name);
    }
    if (zip_close(archive) != 0) fail(name, "cannot write the zip archive", archive);
  } catch (...) {
    zip_discard(archive);
    throw;
  }
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_source_stat(buffer.get(), &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || zip_source_open(buffer.get()) != 0) {
    throw FileError(name, "cannot read the in-memory zip archive back");
  }
  std::vector<std::byte> bytes(static_cast<std::size_t>(st.size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const zip_int64_t n = zip_source_read(buffer.get(), bytes.data() + done, bytes.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  zip_source_close(buffer.get());
  if (done != bytes.size()) throw FileError(name, "cannot read the in-memory zip archive back");
  return bytes;
}

}  // namespace kplug::saving
