// The binary contract between the kplug host and a plugin (.so). A plugin exports one
// constant-initialized `PluginEntry` under `kEntrySymbol`; the host reads it only after
// checking the ABI version and struct size, then checks the build id field by field.
// Only C types cross here; exceptions never do (register_objects reports failure as text).
#pragma once

#include <boost/version.hpp>

#include <cstddef>
#include <cstdint>

#define KPLUG_VERSION_STRING "0.1.0"
#define KPLUG_ABI_STRINGIFY_(x) #x
#define KPLUG_ABI_STRINGIFY(x) KPLUG_ABI_STRINGIFY_(x)

#if defined(__clang__)
#define KPLUG_COMPILER_NAME "clang"
#define KPLUG_COMPILER_VERSION KPLUG_ABI_STRINGIFY(__clang_major__) "." KPLUG_ABI_STRINGIFY(__clang_minor__)
#elif defined(__GNUC__)
#define KPLUG_COMPILER_NAME "gcc"
#define KPLUG_COMPILER_VERSION KPLUG_ABI_STRINGIFY(__GNUC__) "." KPLUG_ABI_STRINGIFY(__GNUC_MINOR__)
#else
#define KPLUG_COMPILER_NAME "unknown"
#define KPLUG_COMPILER_VERSION "0"
#endif

#if defined(_GLIBCXX_USE_CXX11_ABI)
#define KPLUG_CXX11_ABI _GLIBCXX_USE_CXX11_ABI
#else
#define KPLUG_CXX11_ABI -1
#endif

namespace kplug::plugin {

// Bumped on every change to the layout of a public type plugins compile against (2: the
// function and loss-mask virtuals, ConfigReader's inline storage).
inline constexpr std::uint32_t kAbiVersion = 2;
inline constexpr const char* kEntrySymbol = "kplug_plugin_v1";
// ELF section holding the listing symbols (at most 8 characters, Boost.DLL's limit).
inline constexpr const char* kListingSection = "kplugls";

class Registrar;

extern "C" {

struct BuildId {
  const char* core_version;      // kplug version the plugin was built against
  const char* compiler;          // "gcc", "clang"
  const char* compiler_version;  // "12.2"
  int cxx11_abi;                 // _GLIBCXX_USE_CXX11_ABI
  int boost_version;             // BOOST_VERSION
};

struct PluginEntry {
  std::uint32_t abi_version;  // kAbiVersion
  std::uint32_t struct_size;  // sizeof(PluginEntry)
  const char* name;
  const char* version;
  BuildId build;
  const char* const* packages;  // null-terminated list of the packages it registers keys in
  // Registers the plugin's objects through `registrar`. Returns 0, or non-zero with a
  // NUL-terminated message in `error` (at most error_size bytes). Never throws.
  int (*register_objects)(Registrar* registrar, char* error, std::size_t error_size) noexcept;
  // Called once, just before the library is unmapped. May be null.
  void (*shutdown)() noexcept;
};

}  // extern "C"

// The build id of the translation unit that includes this header.
#define KPLUG_CURRENT_BUILD_ID \
  ::kplug::plugin::BuildId { KPLUG_VERSION_STRING, KPLUG_COMPILER_NAME, KPLUG_COMPILER_VERSION, KPLUG_CXX11_ABI, BOOST_VERSION }

}  // namespace kplug::plugin
