#include "plugins/elf_symbols.hpp"

#include "kplug/errors.hpp"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <system_error>

namespace kplug::plugin::detail {
namespace fs = std::filesystem;
namespace {

template <class Ehdr, class Shdr, class Sym>
struct ElfTypes {
  using Header = Ehdr;
  using Section = Shdr;
  using Symbol = Sym;
};
using Elf32 = ElfTypes<Elf32_Ehdr, Elf32_Shdr, Elf32_Sym>;
using Elf64 = ElfTypes<Elf64_Ehdr, Elf64_Shdr, Elf64_Sym>;

// A read-only file descriptor, closed on scope exit, with bounds-checked reads.
class ElfFile {
 public:
  explicit ElfFile(const fs::path& path) : path_(path) {
    // O_NONBLOCK: a FIFO named like a plugin must not hang the host (it is refused below).
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0) fail("cannot open it: " + std::error_code(errno, std::generic_category()).message());
    struct stat st {};
    std::string error;
    if (::fstat(fd_, &st) != 0)
      error = "cannot stat it: " + std::error_code(errno, std::generic_category()).message();
    else if (!S_ISREG(st.st_mode))
      error = "not a regular file";
    if (!error.empty()) {
      ::close(fd_);  // the destructor does not run when the constructor throws
      fail(error);
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
  }
  ~ElfFile() { ::close(fd_); }
  ElfFile(const ElfFile&) = delete;
  ElfFile& operator=(const ElfFile&) = delete;

  std::uint64_t size() const { return size_; }

  [[noreturn]] void fail(const std::string& why) const {
    throw PluginError("cannot list plugin " + path_.string() + ": " + why);
  }

  // Throws unless [offset, offset + size) lies in the file; `what` names the part in errors.
  void check_range(std::uint64_t offset, std::uint64_t size, const std::string& what) const {
    if (offset > size_ || size > size_ - offset) {
      fail(what + " (" + std::to_string(size) + " bytes at offset " + std::to_string(offset) +
           ") lies past the end of the file (" + std::to_string(size_) + " bytes): truncated or corrupted");
    }
  }

  // Keeps [offset, offset + size) of the file in memory: reads that fall inside a kept window
  // are served from it. A plugin's header, .dynsym and .dynstr sit in its first pages and its
  // section headers with their name table at its end: two windows make the listing two reads
  // instead of five (every read is a system call).
  void keep_window(std::uint64_t offset, std::uint64_t size) {
    size = std::min(size, size_ - std::min(offset, size_));
    Window& window = windows_[windows_kept_++ % windows_.size()];
    window.offset = offset;
    window.bytes.resize(static_cast<std::size_t>(size));
    pread_all(offset, size, window.bytes.data(), "the file");
  }

  // Reads [offset, offset + size) of the file into `out`.
  void read(std::uint64_t offset, std::uint64_t size, void* out, const std::string& what) const {
    check_range(offset, size, what);
    for (const Window& window : windows_) {
      if (offset >= window.offset && size <= window.bytes.size() &&
          offset - window.offset <= window.bytes.size() - size) {
        std::memcpy(out, window.bytes.data() + (offset - window.offset), static_cast<std::size_t>(size));
        return;
      }
    }
    pread_all(offset, size, out, what);
  }

  std::vector<char> read_bytes(std::uint64_t offset, std::uint64_t size, const std::string& what) const {
    check_range(offset, size, what);  // before allocating what the file claims
    std::vector<char> out(static_cast<std::size_t>(size));
    read(offset, size, out.data(), what);
    return out;
  }

 private:
  struct Window {
    std::uint64_t offset = 0;
    std::vector<char> bytes;
  };

  void pread_all(std::uint64_t offset, std::uint64_t size, void* out, const std::string& what) const {
    auto* bytes = static_cast<char*>(out);
    while (size > 0) {
      const ssize_t got = ::pread(fd_, bytes, size, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) fail("cannot read " + what + ": " + std::error_code(errno, std::generic_category()).message());
      if (got == 0) fail("cannot read " + what + ": the file shrank while it was read");
      bytes += got;
      offset += static_cast<std::uint64_t>(got);
      size -= static_cast<std::uint64_t>(got);
    }
  }

  fs::path path_;
  std::array<Window, 2> windows_;
  std::size_t windows_kept_ = 0;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// The NUL-terminated string at `offset` of a string table, or nullopt when it is out of range.
std::optional<std::string_view> string_at(const std::vector<char>& table, std::uint64_t offset) {
  if (offset >= table.size()) return std::nullopt;
  const char* begin = table.data() + offset;
  const void* end = std::memchr(begin, '\0', table.size() - offset);
  if (!end) return std::nullopt;
  return std::string_view(begin, static_cast<std::size_t>(static_cast<const char*>(end) - begin));
}

template <class Elf>
std::vector<std::string> section_symbols(ElfFile& file, const unsigned char* head, std::string_view wanted) {
  using Header = typename Elf::Header;
  using Section = typename Elf::Section;
  using Symbol = typename Elf::Symbol;

  Header header;
  file.check_range(0, sizeof header, "the ELF header");
  std::memcpy(&header, head, sizeof header);  // `head` holds the file's first bytes, up to an Elf64 header
  if (header.e_shoff == 0) file.fail("no section headers (a stripped or corrupted ELF file)");
  if (header.e_shentsize != sizeof(Section)) {
    file.fail("section header size " + std::to_string(header.e_shentsize) + ", expected " +
              std::to_string(sizeof(Section)));
  }
  // With SHN_LORESERVE sections or more, the first header holds the count and the name table's
  // index (rare, but valid ELF).
  Section first{};
  if (header.e_shnum == 0 || header.e_shstrndx == SHN_XINDEX) {
    file.read(header.e_shoff, sizeof first, &first, "the first section header");
  }
  const std::uint64_t count = header.e_shnum != 0 ? header.e_shnum : first.sh_size;
  if (count == 0) file.fail("no section headers");
  if (count > file.size() / sizeof(Section)) {
    file.fail(std::to_string(count) + " section headers cannot fit in a file of " + std::to_string(file.size()) +
              " bytes: truncated or corrupted");
  }
  // The section headers and, just before them as linkers lay files out, the name table.
  constexpr std::uint64_t kNameTableReach = 4096;
  const std::uint64_t tail = header.e_shoff - std::min<std::uint64_t>(header.e_shoff, kNameTableReach);
  file.keep_window(tail, header.e_shoff - tail + count * sizeof(Section));
  std::vector<Section> sections(static_cast<std::size_t>(count));
  file.read(header.e_shoff, count * sizeof(Section), sections.data(), "the section headers");

  auto table_of = [&](std::uint64_t index, const std::string& what) {
    if (index >= count) {
      file.fail(what + ": section index " + std::to_string(index) + " out of range (" + std::to_string(count) +
                " sections)");
    }
    const Section& s = sections[static_cast<std::size_t>(index)];
    if (s.sh_type != SHT_STRTAB) file.fail(what + " (section " + std::to_string(index) + ") is not a string table");
    return file.read_bytes(s.sh_offset, s.sh_size, what);
  };
  const std::uint64_t names_index = header.e_shstrndx == SHN_XINDEX ? first.sh_link : header.e_shstrndx;
  const std::vector<char> names = table_of(names_index, "the section name table");

  std::uint64_t listing = count;  // index of the wanted section
  const Section* dynsym = nullptr;
  for (std::uint64_t i = 0; i < count; ++i) {
    const Section& s = sections[static_cast<std::size_t>(i)];
    if (s.sh_type == SHT_DYNSYM && !dynsym) dynsym = &s;
    if (listing != count || s.sh_type == SHT_NULL) continue;
    const auto name = string_at(names, s.sh_name);
    if (!name) file.fail("section " + std::to_string(i) + " has a name outside the section name table");
    if (*name == wanted) listing = i;
  }
  if (listing == count) return {};
  if (listing >= SHN_LORESERVE) file.fail("section '" + std::string(wanted) + "' has a reserved index");
  if (!dynsym) file.fail("no dynamic symbol table (.dynsym): not a shared library");
  if (dynsym->sh_entsize != sizeof(Symbol)) {
    file.fail("dynamic symbol size " + std::to_string(dynsym->sh_entsize) + ", expected " +
              std::to_string(sizeof(Symbol)));
  }
  const std::vector<char> strings = table_of(dynsym->sh_link, "the dynamic symbol name table");
  if (dynsym->sh_size % sizeof(Symbol) != 0) file.fail("dynamic symbol table size is not a whole number of symbols");
  file.check_range(dynsym->sh_offset, dynsym->sh_size, "the dynamic symbol table");
  std::vector<Symbol> symbols(static_cast<std::size_t>(dynsym->sh_size / sizeof(Symbol)));
  file.read(dynsym->sh_offset, dynsym->sh_size, symbols.data(), "the dynamic symbol table");

  std::vector<std::string> out;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const Symbol& sym = symbols[i];
    const unsigned bind = ELF64_ST_BIND(sym.st_info);  // same encoding for ELF32
    const unsigned visibility = ELF64_ST_VISIBILITY(sym.st_other);
    if (sym.st_shndx != listing || bind == STB_LOCAL || sym.st_size == 0) continue;
    if (visibility != STV_DEFAULT && visibility != STV_PROTECTED) continue;
    const auto name = string_at(strings, sym.st_name);
    if (!name) file.fail("dynamic symbol " + std::to_string(i) + " has a name outside its string table");
    if (!name->empty()) out.emplace_back(*name);
  }
  return out;
}

}  // namespace

std::vector<std::string> elf_section_symbols(const fs::path& file, std::string_view section) {
  ElfFile elf(file);
  if (elf.size() < EI_NIDENT) elf.fail("a file of " + std::to_string(elf.size()) + " bytes is not a shared library");
  constexpr std::uint64_t kHead = 16384;  // the header, .dynsym and .dynstr of a typical plugin
  elf.keep_window(0, kHead);
  unsigned char ident[sizeof(Elf64_Ehdr)] = {};
  static_assert(sizeof(Elf64_Ehdr) >= sizeof(Elf32_Ehdr));
  elf.read(0, std::min<std::uint64_t>(elf.size(), sizeof ident), ident, "the ELF header");
  if (std::memcmp(ident, ELFMAG, SELFMAG) != 0) elf.fail("not an ELF file (no ELF magic number)");
  constexpr unsigned char kNative = std::endian::native == std::endian::little ? ELFDATA2LSB : ELFDATA2MSB;
  if (ident[EI_DATA] != kNative) elf.fail("an ELF file of the other byte order than this host's");
  if (ident[EI_CLASS] == ELFCLASS64) return section_symbols<Elf64>(elf, ident, section);
  if (ident[EI_CLASS] == ELFCLASS32) return section_symbols<Elf32>(elf, ident, section);
  elf.fail("unknown ELF class " + std::to_string(ident[EI_CLASS]));
}

}  // namespace kplug::plugin::detail
