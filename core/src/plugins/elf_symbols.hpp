// Reads the names a plugin's listing section carries, from the file, without loading it.
//
// Not Boost.DLL's library_info on this path: it reads the file through std::ifstream with a
// seek and a buffer refill per section header, prefers the full .symtab (every local and
// debug symbol of an unstripped plugin) and trusts the file's offsets; listing 50 plugins
// that way cost half as much as loading them. This reader takes only what it needs — the
// header, the section headers, the section names, .dynsym and its string table — with one
// pread() each, checking every offset and size against the file: a truncated or corrupted
// file is a PluginError, never a crash. The listing symbols are exported, so .dynsym has
// them all (Boost.DLL's visibility rules are kept). Measured against a read-only mapping
// (mmap, munmap and the page faults) and against fewer but larger reads (16 KiB windows),
// these few small reads were the cheapest; they also cannot raise SIGBUS if the file is
// truncated meanwhile, as a mapping would.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace kplug::plugin::detail {

// The exported symbols (global or weak, default or protected visibility, non-zero size)
// defined in `section` of the ELF shared library `file`, in .dynsym order; empty when
// the file has no such section. Throws PluginError ("cannot list plugin <file>: <why>").
std::vector<std::string> elf_section_symbols(const std::filesystem::path& file, std::string_view section);

}  // namespace kplug::plugin::detail
