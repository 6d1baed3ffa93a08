// ZipArchiveReader over libzip: the member list checked once at open, members read under caps
// counted while inflating.
#include "kplug/saving/zip_archive.hpp"

#include "saving/h5/unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

namespace kplug::saving {

ArchiveUnsafeError::~ArchiveUnsafeError() = default;

namespace {

// Archives up to this size are read whole with one read and parsed from memory: libzip's file
// source seeks and reads each header on its own (and ZIP_CHECKCONS reads every local header),
// and each of those system calls counts in a load of a few hundred microseconds (issue 21).
constexpr std::uint64_t kReadWholeBelow = std::uint64_t{1} << 20;

struct ZipCloser {
  void operator()(zip_t* archive) const noexcept { zip_discard(archive); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* file) const noexcept { zip_fclose(file); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;
using ZipFilePtr = std::unique_ptr<zip_file_t, ZipFileCloser>;

std::string open_error_text(int code) {
  switch (code) {
    case ZIP_ER_NOZIP: return "not a zip archive (no zip central directory: a truncated or non-zip file)";
    case ZIP_ER_INCONS: return "the zip archive is inconsistent (truncated or corrupt)";
    case ZIP_ER_NOENT: return "no such file";
    case ZIP_ER_OPEN: return "cannot open the file";
    case ZIP_ER_READ: return "cannot read the file";
    case ZIP_ER_MEMORY: return "out of memory reading the zip directory";
    default: {
      zip_error_t error;
      zip_error_init_with_code(&error, code);
      std::string text = zip_error_strerror(&error);
      zip_error_fini(&error);
      return "cannot open the zip archive: " + text;
    }
  }
}

// Refuses names that could reach outside the archive once joined to a folder, or that
// different tools would read differently. Keras writes plain relative names.
void check_member_name(const std::string& file, const std::string& name) {
  auto refuse = [&](const std::string& why) {
    throw ArchiveUnsafeError(file, "Not allowed: archive member " + why, name);
  };
  if (name.empty()) refuse("with an empty name");
  if (name.front() == '/') refuse("with an absolute name");
  if (name.size() >= 2 && name[1] == ':') refuse("with a drive-letter (absolute) name");
  if (name.find('\\') != std::string::npos) refuse("with a backslash in its name");
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20) refuse("with a control character in its name");
  }
  std::size_t start = 0;
  const std::size_t end = name.back() == '/' ? name.size() - 1 : name.size();  // directories end in '/'
  while (start <= end) {
    std::size_t slash = name.find('/', start);
    if (slash == std::string::npos || slash > end) slash = end;
    const std::string_view part(name.data() + start, slash - start);
    if (part == "..") refuse("with a '..' component (it would point outside the archive)");
    if (part.empty() || part == ".") refuse("with an empty or '.' path component");
    start = slash + 1;
  }
}

}  // namespace

struct ZipArchiveReader::Impl {
  std::string name;
  ArchiveLimits limits;
  std::vector<std::byte> bytes;  // a small archive read whole (declared first: the archive reads it)
  ZipPtr archive;
  std::vector<ArchiveMember> members;
  std::map<std::string, zip_uint64_t, std::less<>> index;

  void load_members() {
    const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
    if (count < 0) throw FileError(name, "cannot list the zip archive's members");
    if (static_cast<std::uint64_t>(count) > limits.max_members) {
      throw ArchiveUnsafeError(name, "Not allowed: the archive has " + std::to_string(count) + " members, more than " +
                                         std::to_string(limits.max_members) + " (ArchiveLimits::max_members)");
    }
    for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
      zip_stat_t st;
      zip_stat_init(&st);
      if (zip_stat_index(archive.get(), i, ZIP_FL_ENC_RAW, &st) != 0 || !(st.valid & ZIP_STAT_NAME)) {
        throw FileError(name, "cannot read the zip directory entry " + std::to_string(i));
      }
      ArchiveMember member;
      member.name = st.name;
      check_member_name(name, member.name);
      if (!index.emplace(member.name, i).second) {
        throw ArchiveUnsafeError(name, "Not allowed: duplicate archive member name", member.name);
      }
      zip_uint8_t opsys = 0;
      zip_uint32_t attributes = 0;
      if (zip_file_get_external_attributes(archive.get(), i, 0, &opsys, &attributes) == 0 && opsys == ZIP_OPSYS_UNIX) {
        const mode_t mode = static_cast<mode_t>(attributes >> 16);
        const mode_t type = mode & S_IFMT;
        if (type == S_IFLNK)
          throw ArchiveUnsafeError(name, "Not allowed: archive member that is a symbolic link", member.name);
        if (type != 0 && type != S_IFREG && type != S_IFDIR) {
          throw ArchiveUnsafeError(name, "Not allowed: archive member that is not a regular file or folder",
                                   member.name);
        }
      }
      if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
        throw FileError(name, "encrypted archive members are not supported", member.name);
      }
      member.declared_size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
      member.compressed_size = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
      member.method = (st.valid & ZIP_STAT_COMP_METHOD) ? st.comp_method : 0;
      member.is_directory = member.name.back() == '/';
      members.push_back(std::move(member));
    }
  }

  // Opens with libzip's consistency checks (central directory against local headers). Those
  // refuse duplicate names without saying which: then the archive is listed without them, so
  // that load_members names the duplicate.
  template <class Open>
  void open_checked(Open&& open) {
    int error = 0;
    archive.reset(open(ZIP_RDONLY | ZIP_CHECKCONS, error));
    if (!archive && error == ZIP_ER_EXISTS) {
      archive.reset(open(ZIP_RDONLY, error));
      if (archive) load_members();
      throw ArchiveUnsafeError(name, "Not allowed: duplicate archive member names");
    }
    if (!archive) throw FileError(name, open_error_text(error));
    load_members();
  }

  zip_uint64_t find(std::string_view member) const {
    const auto it = index.find(member);
    if (it == index.end()) {
      std::string names;
      for (const ArchiveMember& m : members) names += (names.empty() ? "" : ", ") + m.name;
      throw FileError(name, "the archive has no member '" + std::string(member) + "' (members: " + names + ")",
                      std::string(member));
    }
    return it->second;
  }
};

ZipArchiveReader::ZipArchiveReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ZipArchiveReader::ZipArchiveReader(ZipArchiveReader&&) noexcept = default;
ZipArchiveReader& ZipArchiveReader::operator=(ZipArchiveReader&&) noexcept = default;
ZipArchiveReader::~ZipArchiveReader() = default;

namespace {

// Opens libzip over `image` (not copied: it must outlive the archive).
zip_t* open_buffer(std::span<const std::byte> image, int flags, int& code) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(image.data(), image.size(), 0, &error);
  zip_t* archive = source ? zip_open_from_source(source, flags, &error) : nullptr;
  code = zip_error_code_zip(&error);
  zip_error_fini(&error);
  if (source && !archive) zip_source_free(source);
  return archive;
}

// The whole of the open file `fd` of `size` bytes.
std::vector<std::byte> read_all(int fd, std::uint64_t size, const std::string& name) {
  std::vector<std::byte> bytes(static_cast<std::size_t>(size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw FileError(name, std::string("cannot read the file: ") + std::strerror(errno));
    if (n == 0) break;  // shrunk meanwhile: the zip checks then see what is there
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

}  // namespace

ZipArchiveReader ZipArchiveReader::open(const std::filesystem::path& file, ArchiveLimits limits) {
  auto impl = std::make_unique<Impl>();
  impl->name = file.string();
  impl->limits = limits;
  // O_NONBLOCK: a FIFO under the archive's name must not block the open.
  const detail::UniqueFd fd(::open(impl->name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0 && (errno == ENOENT || errno == ENOTDIR)) throw FileError(impl->name, "no such file");
  if (fd.get() < 0) throw FileError(impl->name, std::string("cannot open: ") + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) throw FileError(impl->name, "not a regular file");
  const auto size = static_cast<std::uint64_t>(info.st_size);
  if (size > limits.max_archive_bytes) {
    throw ArchiveUnsafeError(impl->name, "Not allowed: the archive is " + std::to_string(size) + " bytes, more than " +
                                             std::to_string(limits.max_archive_bytes) +
                                             " (ArchiveLimits::max_archive_bytes)");
  }
  if (size < kReadWholeBelow) {
    impl->bytes = read_all(fd.get(), size, impl->name);
    impl->open_checked([&](int flags, int& error) { return open_buffer(impl->bytes, flags, error); });
  } else {
    impl->open_checked([&](int flags, int& error) { return zip_open(impl->name.c_str(), flags, &error); });
  }
  return ZipArchiveReader(std::move(impl));
}

ZipArchiveReader ZipArchiveReader::open_image(std::span<const std::byte> image, std::string name,
                                              ArchiveLimits limits) {
  auto impl = std::make_unique<Impl>();
  impl->name = std::move(name);
  impl->limits = limits;
  impl->open_checked([&](int flags, int& code) { return open_buffer(image, flags, code); });
  return ZipArchiveReader(std::move(impl));
}

const std::string& ZipArchiveReader::file_name() const noexcept { return impl_->name; }
const ArchiveLimits& ZipArchiveReader::limits() const noexcept { return impl_->limits; }
const std::vector<ArchiveMember>& ZipArchiveReader::members() const noexcept { return impl_->members; }
bool ZipArchiveReader::contains(std::string_view name) const noexcept { return impl_->index.contains(name); }

void ZipArchiveReader::read_chunks(std::string_view member, std::uint64_t max_bytes,
                                   const std::function<void(std::span<const std::byte>)>& sink) const {
  const std::string& file = impl_->name;
  const zip_uint64_t index = impl_->find(member);
  const std::string member_name(member);
  ZipFilePtr opened(zip_fopen_index(impl_->archive.get(), index, 0));
  if (!opened) {
    throw FileError(file, std::string("cannot open the member: ") + zip_strerror(impl_->archive.get()), member_name);
  }
  std::array<std::byte, 1 << 16> buffer;
  std::uint64_t total = 0;
  for (;;) {
    const zip_int64_t n = zip_fread(opened.get(), buffer.data(), buffer.size());
    if (n < 0) {
      throw FileError(
          file,
          std::string("cannot read the member (truncated or corrupt archive): ") + zip_file_strerror(opened.get()),
          member_name);
    }
    if (n == 0) break;
    total += static_cast<std::uint64_t>(n);
    // Counted as inflated: the header's declared size plays no part.
    if (total > max_bytes) {
      throw ArchiveUnsafeError(file,
                               "Not allowed: the member inflates to more than " + std::to_string(max_bytes) +
                                   " bytes (ArchiveLimits); refusing a potential decompression bomb",
                               member_name);
    }
    sink({buffer.data(), static_cast<std::size_t>(n)});
  }
}

std::string ZipArchiveReader::read(std::string_view member, std::uint64_t max_bytes) const {
  std::string text;
  read_chunks(member, max_bytes, [&](std::span<const std::byte> chunk) {
    text.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
  });
  return text;
}

}  // namespace kplug::saving
