#include "kplug/plugin_host.hpp"

#include "kplug/plugin_abi.hpp"
#include "kplug/registrar.hpp"
#include "plugins/listing_names.hpp"

#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

namespace kplug {
namespace fs = std::filesystem;
namespace {

std::string describe(const fs::path& path) { return path.string(); }

// A loaded library and its entry. The plugin's shutdown runs just before unmapping,
// when the last holder (host record, registry entry, object) lets go.
struct LibraryHandle {
  boost::dll::shared_library library;
  const plugin::PluginEntry* entry = nullptr;
  ~LibraryHandle() {
    if (entry && entry->shutdown) entry->shutdown();
  }
};

// Every load of one library file in this process shares one handle, so that the
// plugin's shutdown runs once, when nothing of it is left (not when an old load's
// last object dies while a newer load of the same file is in use).
std::shared_ptr<LibraryHandle> open_library(const fs::path& path) {
  static std::mutex mutex;
  static std::map<fs::path, std::weak_ptr<LibraryHandle>> open;
  std::lock_guard lock(mutex);
  std::weak_ptr<LibraryHandle>& slot = open[path];
  if (auto live = slot.lock()) return live;
  auto handle = std::make_shared<LibraryHandle>();
  // RTLD_NOW reports missing symbols here; RTLD_LOCAL (the default) keeps plugins'
  // symbols from resolving each other's.
  handle->library.load(path, boost::dll::load_mode::rtld_now);
  slot = handle;
  return handle;
}

struct LoadedPlugin {
  std::string name;
  std::string version;
  fs::path path;
  std::vector<std::string> packages;
  std::vector<std::string> keys;
  std::shared_ptr<LibraryHandle> handle;
};

bool same(const char* a, const char* b) { return a && b && std::strcmp(a, b) == 0; }
std::string text(const char* s) { return s ? s : "(null)"; }

// The ABI handshake: every field is compared before any plugin code runs.
void check_handshake(const plugin::PluginEntry& entry, const fs::path& path) {
  const std::string where = "plugin " + describe(path) + ": ";
  if (entry.abi_version != plugin::kAbiVersion) {
    throw PluginError(where + "wrong ABI version: got " + std::to_string(entry.abi_version) + ", expected " +
                      std::to_string(plugin::kAbiVersion) + " (rebuild it against this kplug SDK)");
  }
  if (entry.struct_size < sizeof(plugin::PluginEntry)) {
    throw PluginError(where + "entry structure of " + std::to_string(entry.struct_size) + " bytes, expected " +
                      std::to_string(sizeof(plugin::PluginEntry)));
  }
  const plugin::BuildId host = KPLUG_CURRENT_BUILD_ID;
  const plugin::BuildId& got = entry.build;
  auto mismatch = [&](const std::string& what, const std::string& found, const std::string& expected) {
    throw PluginError(where + "built with " + what + " " + found + ", but this host expects " + expected +
                      " (rebuild the plugin with the same toolchain and SDK)");
  };
  if (!same(got.core_version, host.core_version)) mismatch("kplug", text(got.core_version), host.core_version);
  if (!same(got.compiler, host.compiler) || !same(got.compiler_version, host.compiler_version)) {
    mismatch("compiler", text(got.compiler) + " " + text(got.compiler_version),
             std::string(host.compiler) + " " + host.compiler_version);
  }
  if (got.cxx11_abi != host.cxx11_abi) {
    mismatch("_GLIBCXX_USE_CXX11_ABI", std::to_string(got.cxx11_abi), std::to_string(host.cxx11_abi));
  }
  if (got.boost_version != host.boost_version) {
    mismatch("Boost", std::to_string(got.boost_version), std::to_string(host.boost_version));
  }
  if (!entry.name || !*entry.name) throw PluginError(where + "has no name");
  if (!entry.register_objects) throw PluginError(where + "has no registration function");
}

std::vector<std::string> declared_packages(const plugin::PluginEntry& entry) {
  std::vector<std::string> packages;
  for (const char* const* p = entry.packages; p && *p; ++p) packages.emplace_back(*p);
  return packages;
}

std::string_view package_of(std::string_view key) { return key.substr(0, key.find('>')); }

}  // namespace

struct PluginHost::Impl {
  // Recursive: a plugin's registration may itself deserialize, which may ask provide().
  mutable std::recursive_mutex mutex;
  std::map<std::string, LoadedPlugin> by_name;
  std::map<fs::path, std::vector<std::string>> index_packages;  // indexed file -> declared packages
  bool auto_load = false;

  const LoadedPlugin* find_by_path(const fs::path& path) const {
    for (const auto& [name, plugin] : by_name) {
      if (plugin.path == path) return &plugin;
    }
    return nullptr;
  }
};

PluginHost::PluginHost() : impl_(std::make_unique<Impl>()) {}

PluginHost::~PluginHost() {
  // Keys of plugins this host loaded leave the registry with it; objects still alive
  // keep their libraries mapped.
  for (const auto& [name, plugin] : impl_->by_name) Registry::global().erase_owned_by(plugin.path.string());
}

std::vector<fs::path> PluginHost::plugin_files(const fs::path& directory) {
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) throw PluginError("plugin directory " + describe(directory) + " does not exist");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory, ec)) {
    if (entry.path().extension() == ".so" && entry.is_regular_file(ec)) files.push_back(entry.path());
  }
  if (ec) throw PluginError("cannot read plugin directory " + describe(directory) + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

PluginListing PluginHost::inspect(const fs::path& file) {
  PluginListing listing;
  listing.path = file;
  std::vector<std::string> symbols;
  try {
    boost::dll::library_info info(file);
    symbols = info.symbols(plugin::kListingSection);
  } catch (const std::exception& e) {
    throw PluginError("cannot list plugin " + describe(file) + ": " + e.what());
  }
  bool found = false;
  for (const std::string& symbol : symbols) {
    auto field = [&](std::string_view prefix) -> std::optional<std::string> {
      if (!std::string_view(symbol).starts_with(prefix)) return std::nullopt;
      return plugin::detail::hex_decode(std::string_view(symbol).substr(prefix.size()));
    };
    if (auto v = field("kplug_n_")) listing.name = *v, found = true;
    else if (auto v2 = field("kplug_v_")) listing.version = *v2;
    else if (auto p = field("kplug_p_")) listing.packages.push_back(*p);
    else if (auto k = field("kplug_k_")) listing.keys.push_back(*k);
    else if (symbol.starts_with("kplug_a_")) listing.abi_version = static_cast<std::uint32_t>(std::stoul(symbol.substr(8)));
  }
  if (!found) {
    throw PluginError(describe(file) + " is not a kplug plugin: no listing in section '" +
                      std::string(plugin::kListingSection) + "' (build it with kplug_add_plugin)");
  }
  std::sort(listing.packages.begin(), listing.packages.end());
  std::sort(listing.keys.begin(), listing.keys.end());
  return listing;
}

std::string PluginHost::load(const fs::path& file) {
  std::error_code ec;
  const fs::path path = fs::canonical(file, ec);
  if (ec) throw PluginError("cannot load plugin " + describe(file) + ": " + ec.message());

  std::lock_guard lock(impl_->mutex);
  if (const LoadedPlugin* loaded = impl_->find_by_path(path)) return loaded->name;

  std::shared_ptr<LibraryHandle> handle;
  try {
    handle = open_library(path);
  } catch (const std::exception& e) {
    throw PluginError("cannot load plugin " + describe(path) + ": " + e.what());
  }
  if (!handle->library.has(plugin::kEntrySymbol)) {
    throw PluginError("plugin " + describe(path) + " has no entry symbol '" + std::string(plugin::kEntrySymbol) +
                      "': not a kplug plugin, or built for another ABI");
  }
  const auto& entry = handle->library.get<const plugin::PluginEntry>(plugin::kEntrySymbol);
  check_handshake(entry, path);
  handle->entry = &entry;

  const std::string name = entry.name;
  if (auto it = impl_->by_name.find(name); it != impl_->by_name.end()) {
    throw PluginError("plugin " + describe(path) + " is named '" + name + "', like the plugin already loaded from " +
                      describe(it->second.path));
  }

  plugin::Registrar registrar(path.string(), declared_packages(entry), handle);
  char error[2048] = {};
  if (entry.register_objects(&registrar, error, sizeof error) != 0) {
    error[sizeof error - 1] = '\0';
    throw PluginError("plugin '" + name + "' (" + describe(path) + ") failed to register its objects: " + error);
  }
  auto entries = registrar.take();
  std::vector<std::string> keys;
  for (const auto& [key, e] : entries) keys.push_back(key);
  try {
    Registry::global().add_all(std::move(entries));
  } catch (const RegistrationError& e) {
    throw PluginError("plugin '" + name + "' (" + describe(path) + ") was not loaded: " + e.what());
  }
  std::sort(keys.begin(), keys.end());
  impl_->by_name.emplace(name, LoadedPlugin{name, text(entry.version), path, declared_packages(entry),
                                            std::move(keys), std::move(handle)});
  return name;
}

std::vector<PluginLoadReport> PluginHost::load_directory(const fs::path& directory, bool strict) {
  std::vector<PluginLoadReport> reports;
  for (const fs::path& file : plugin_files(directory)) {
    PluginLoadReport report{file, false, {}, {}};
    try {
      report.name = load(file);
      report.loaded = true;
    } catch (const PluginError& e) {
      if (strict) throw;
      report.error = e.what();
    }
    reports.push_back(std::move(report));
  }
  return reports;
}

void PluginHost::unload(std::string_view name) {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->by_name.find(std::string(name));
  if (it == impl_->by_name.end()) throw PluginError("no plugin named '" + std::string(name) + "' is loaded");
  Registry::global().erase_owned_by(it->second.path.string());
  impl_->by_name.erase(it);  // the library stays mapped while its objects live
}

std::vector<PluginListing> PluginHost::loaded() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<PluginListing> out;
  for (const auto& [name, plugin] : impl_->by_name) {
    out.push_back(PluginListing{plugin.path, plugin.name, plugin.version, plugin::kAbiVersion, plugin.packages,
                                plugin.keys});
  }
  return out;
}

bool PluginHost::is_loaded(std::string_view name) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->by_name.contains(std::string(name));
}

void PluginHost::index_directory(const fs::path& directory) {
  std::map<fs::path, std::vector<std::string>> found;
  for (const fs::path& file : plugin_files(directory)) {
    try {
      found.emplace(fs::canonical(file), inspect(file).packages);
    } catch (const PluginError&) {
      // Not a kplug plugin: not indexed; load() would report why.
    }
  }
  std::lock_guard lock(impl_->mutex);
  for (auto& [path, packages] : found) impl_->index_packages[path] = std::move(packages);
}

void PluginHost::set_auto_load(bool enabled) {
  std::lock_guard lock(impl_->mutex);
  impl_->auto_load = enabled;
}

bool PluginHost::provide(std::string_view key) {
  const std::string package(package_of(key));
  std::lock_guard lock(impl_->mutex);
  if (!impl_->auto_load) return false;
  for (const auto& [name, plugin] : impl_->by_name) {
    if (std::find(plugin.packages.begin(), plugin.packages.end(), package) != plugin.packages.end()) return false;
  }
  std::vector<fs::path> candidates;
  for (const auto& [path, packages] : impl_->index_packages) {
    if (std::find(packages.begin(), packages.end(), package) != packages.end()) candidates.push_back(path);
  }
  if (candidates.size() != 1) return false;  // none, or ambiguous: explain() says which
  load(candidates.front());
  return true;
}

std::string PluginHost::explain(std::string_view key) const {
  const std::string package(package_of(key));
  std::lock_guard lock(impl_->mutex);
  std::vector<std::string> loaded_packages;
  for (const auto& [name, plugin] : impl_->by_name) {
    for (const auto& p : plugin.packages) loaded_packages.push_back("'" + p + "' (" + name + ")");
  }
  std::string out = "Package '" + package + "': ";
  std::vector<std::string> providers;
  for (const auto& [path, packages] : impl_->index_packages) {
    if (std::find(packages.begin(), packages.end(), package) != packages.end()) providers.push_back(path.string());
  }
  if (providers.empty()) {
    out += "no indexed plugin declares it.";
  } else {
    out += "declared by the plugin(s) ";
    for (std::size_t i = 0; i < providers.size(); ++i) out += (i ? ", " : "") + providers[i];
    out += impl_->auto_load && providers.size() > 1 ? " (ambiguous: not loaded)." : " (not loaded; load it with --plugins).";
  }
  out += " Loaded packages: ";
  if (loaded_packages.empty()) out += "none.";
  for (std::size_t i = 0; i < loaded_packages.size(); ++i) {
    out += (i ? ", " : "") + loaded_packages[i] + (i + 1 == loaded_packages.size() ? "." : "");
  }
  return out;
}

}  // namespace kplug
