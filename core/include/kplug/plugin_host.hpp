// Loads plugins (shared libraries built with the kplug SDK) and keeps track of them.
//
// - A plugin's code runs only after its ABI handshake passed, and only through the
//   registration function it exports; its keys enter the registry all at once or not
//   at all, each tagged with the plugin's path.
// - Objects built by a plugin keep its library mapped until the last one is destroyed.
// - `inspect` lists a plugin from its ELF symbols without loading it; `load` checks the
//   listed ABI version and build id before the file is mapped, and the listed KEYS
//   (when given) against the keys the plugin registers.
// - As a KeyProvider, the host loads on demand the indexed plugin that declares a
//   missing key's package. Nothing in a config ever names a file to load.
#pragma once

#include "kplug/errors.hpp"
#include "kplug/serialization.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

struct PluginListing {
  std::filesystem::path path;
  std::string name;
  std::string version;
  std::uint32_t abi_version = 0;  // 0 when the listing carries none (an SDK before ABI 3)
  // The build id, as listed: "<kplug major_minor_patch>__<compiler>__<version>__<cxx11 abi>__<Boost>".
  std::string build_id;
  std::vector<std::string> packages;
  std::vector<std::string> keys;  // the keys it declares (registered keys for loaded plugins)
};

struct PluginLoadReport {
  std::filesystem::path path;
  bool loaded = false;
  std::string name;   // when loaded
  std::string error;  // when not
};

class PluginHost : public KeyProvider {
 public:
  PluginHost();
  ~PluginHost() override;
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // Reads a plugin's name, version, ABI, packages and keys from its file, running none of its code.
  static PluginListing inspect(const std::filesystem::path& file);
  // Why this host would refuse the listed plugin (ABI version, build id), read from the
  // listing alone; empty when it is compatible.
  static std::string incompatibility(const PluginListing& listing);
  // The *.so files of a directory, in name order (not recursive).
  static std::vector<std::filesystem::path> plugin_files(const std::filesystem::path& directory);

  // Loads one plugin and registers its objects; returns its name. Loading the same
  // file again is a no-op. Throws PluginError naming the plugin and the reason.
  std::string load(const std::filesystem::path& file);
  // Loads every plugin of a directory. A broken plugin is reported and the others
  // still load; `strict` stops at the first failure (throwing its PluginError).
  std::vector<PluginLoadReport> load_directory(const std::filesystem::path& directory, bool strict = false);
  // Removes the plugin's keys. Its library stays mapped while objects it built live.
  void unload(std::string_view name);
  std::vector<PluginListing> loaded() const;
  bool is_loaded(std::string_view name) const;

  // Remembers which plugins of a (trusted) directory declare which packages, by
  // listing them without loading. With auto_load, provide() then loads on demand.
  void index_directory(const std::filesystem::path& directory);
  // What the index holds: each indexed plugin file with the packages it declares (tools that
  // report which plugin would provide a model's packages: kplug inspect).
  std::map<std::filesystem::path, std::vector<std::string>> indexed_packages() const;
  void set_auto_load(bool enabled);

  bool provide(std::string_view key) override;
  std::string explain(std::string_view key) const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kplug
#pragma GCC visibility pop
