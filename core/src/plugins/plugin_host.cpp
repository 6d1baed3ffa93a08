#include "kplug/plugin_host.hpp"

#include "registry/registered_object.hpp"

#include "kplug/plugin_abi.hpp"
#include "kplug/registrar.hpp"
#include "plugins/elf_symbols.hpp"
#include "plugins/listing_names.hpp"

#include <boost/dll/shared_library.hpp>

#include <dlfcn.h>

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
  static std::map<std::string, std::weak_ptr<LibraryHandle>, std::less<>> open;  // by canonical path
  std::lock_guard lock(mutex);
  std::weak_ptr<LibraryHandle>& slot = open[path.native()];
  if (auto live = slot.lock()) return live;
  auto handle = std::make_shared<LibraryHandle>();
  // RTLD_NOW reports missing symbols here; RTLD_LOCAL (the default) keeps plugins'
  // symbols from resolving each other's. The error_code overload, because the throwing one
  // appends its error code's text ("Bad file descriptor") to dlerror's, which is the cause.
  std::error_code ec;
  handle->library.load(path, boost::dll::load_mode::rtld_now, ec);
  if (ec) {
    const char* why = ::dlerror();
    throw PluginError("cannot load plugin " + describe(path) + ": " + (why ? std::string(why) : ec.message()));
  }
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

// The build id as the plugin's listing carries it (see KPLUG_LISTING_BUILD_TAG).
struct BuildTag {
  std::string kplug, compiler, compiler_version, cxx11_abi, boost;
};

std::vector<std::string> split(std::string_view text, std::string_view separator) {
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const std::size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + separator.size();
  }
}

std::string dotted(std::string text) {
  std::replace(text.begin(), text.end(), '_', '.');
  return text;
}

// "0_1_0__gcc__12_2__1__108100" (the symbol without its "kplug_b_" prefix).
std::optional<BuildTag> parse_build_tag(std::string_view tag) {
  const auto parts = split(tag, "__");
  if (parts.size() != 5) return std::nullopt;
  return BuildTag{dotted(parts[0]), parts[1], dotted(parts[2]), parts[3] == "none" ? "-1" : parts[3], parts[4]};
}

// This library's own build id, as its plugins must carry it.
const std::string& host_build_tag() {
  static const std::string tag = std::string(KPLUG_ABI_STRINGIFY(KPLUG_LISTING_BUILD_TAG)).substr(8);
  return tag;
}

[[noreturn]] void build_mismatch(const std::string& where, const std::string& what, const std::string& found,
                                 const std::string& expected) {
  throw PluginError(where + "built with " + what + " " + found + ", but this host expects " + expected +
                    " (rebuild the plugin with the same toolchain and SDK)");
}

// The ABI and build-id checks on the listing, before the file is loaded: a plugin built
// with another string ABI or Boost may not even load (undefined symbols).
void check_listing(const PluginListing& listing, const fs::path& path) {
  const std::string where = "plugin " + describe(path) + ": ";
  if (listing.abi_version != plugin::kAbiVersion) {
    throw PluginError(where + "wrong ABI version: got " +
                      (listing.abi_version ? std::to_string(listing.abi_version) : std::string("none")) +
                      ", expected " + std::to_string(plugin::kAbiVersion) + " (rebuild it against this kplug SDK)");
  }
  if (listing.build_id == host_build_tag()) return;
  const auto got = parse_build_tag(listing.build_id);
  const auto host = parse_build_tag(host_build_tag());
  if (!got || !host) {
    throw PluginError(where + "unreadable build id '" + listing.build_id + "', expected '" + host_build_tag() +
                      "' (rebuild it against this kplug SDK)");
  }
  if (got->kplug != host->kplug) build_mismatch(where, "kplug", got->kplug, host->kplug);
  if (got->compiler != host->compiler || got->compiler_version != host->compiler_version) {
    build_mismatch(where, "compiler", got->compiler + " " + got->compiler_version,
                   host->compiler + " " + host->compiler_version);
  }
  if (got->cxx11_abi != host->cxx11_abi)
    build_mismatch(where, "_GLIBCXX_USE_CXX11_ABI", got->cxx11_abi, host->cxx11_abi);
  if (got->boost != host->boost) build_mismatch(where, "Boost", got->boost, host->boost);
  throw PluginError(where + "build id '" + listing.build_id + "' differs from this host's '" + host_build_tag() + "'");
}

std::string join_quoted(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "'" : ", '") + item + "'";
  return out;
}

// KEYS given to kplug_add_plugin must be what the plugin registers (both sorted).
void check_declared_keys(const std::vector<std::string>& declared, const std::vector<std::string>& registered,
                         const std::string& name, const fs::path& path) {
  if (declared.empty() || declared == registered) return;
  std::vector<std::string> not_registered, not_declared;
  std::set_difference(declared.begin(), declared.end(), registered.begin(), registered.end(),
                      std::back_inserter(not_registered));
  std::set_difference(registered.begin(), registered.end(), declared.begin(), declared.end(),
                      std::back_inserter(not_declared));
  std::string message =
      "plugin '" + name + "' (" + describe(path) + ") was not loaded: its KEYS differ from what it registers";
  if (!not_registered.empty()) message += "\n  declared in KEYS but not registered: " + join_quoted(not_registered);
  if (!not_declared.empty()) message += "\n  registered but not declared in KEYS: " + join_quoted(not_declared);
  message += "\n  (fix KEYS in kplug_add_plugin, or drop KEYS to list the registered keys)";
  throw PluginError(message);
}

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
    build_mismatch(where, what, found, expected);
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
  std::map<fs::path, std::string> failures;                     // file -> why its last load failed
  bool auto_load = false;

  // Loads the plugin at a canonical path (a no-op when loaded), recording why it failed.
  std::string load_canonical(const fs::path& path);
  // Loads a plugin not loaded yet: listing checks, dlopen, handshake, registration.
  std::string load_checked(const fs::path& path);

  // Paths are canonical here: comparing their strings is exact (and much cheaper than
  // fs::path's component-wise comparison, which dominated loading a directory).
  const LoadedPlugin* find_by_path(const fs::path& path) const {
    for (const auto& [name, plugin] : by_name) {
      if (plugin.path.native() == path.native()) return &plugin;
    }
    return nullptr;
  }
};

PluginHost::PluginHost() : impl_(std::make_unique<Impl>()) {}

PluginHost::~PluginHost() {
  // Keys of plugins this host loaded leave the registry with it; objects still alive
  // keep their libraries mapped.
  std::vector<std::string> owners;
  for (const auto& [name, plugin] : impl_->by_name) owners.push_back(plugin.path.string());
  if (!owners.empty()) Registry::global().erase_owned_by(owners);
}

namespace {

// The *.so regular files of a directory (symbolic links to them included), by name.
std::vector<fs::directory_entry> plugin_entries(const fs::path& directory) {
  std::error_code ec;
  if (!fs::is_directory(directory, ec))
    throw PluginError("plugin directory " + describe(directory) + " does not exist");
  std::vector<fs::directory_entry> entries;
  for (const auto& entry : fs::directory_iterator(directory, ec)) {
    if (entry.path().extension() == ".so" && entry.is_regular_file(ec)) entries.push_back(entry);
  }
  if (ec) throw PluginError("cannot read plugin directory " + describe(directory) + ": " + ec.message());
  // One directory: comparing the path strings orders them as fs::path would, without its
  // component-wise comparison.
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().native() < b.path().native(); });
  return entries;
}

}  // namespace

std::vector<fs::path> PluginHost::plugin_files(const fs::path& directory) {
  std::vector<fs::path> files;
  for (const auto& entry : plugin_entries(directory)) files.push_back(entry.path());
  return files;
}

std::string PluginHost::incompatibility(const PluginListing& listing) {
  try {
    check_listing(listing, listing.path);
  } catch (const PluginError& e) {
    return e.what();
  }
  return {};
}

PluginListing PluginHost::inspect(const fs::path& file) {
  PluginListing listing;
  listing.path = file;
  // Not boost::dll::library_info: see elf_symbols.hpp for why.
  const std::vector<std::string> symbols = plugin::detail::elf_section_symbols(file, plugin::kListingSection);
  bool found = false;
  for (const std::string& symbol : symbols) {
    auto field = [&](std::string_view prefix) -> std::optional<std::string> {
      if (!std::string_view(symbol).starts_with(prefix)) return std::nullopt;
      return plugin::detail::hex_decode(std::string_view(symbol).substr(prefix.size()));
    };
    if (auto v = field("kplug_n_"))
      listing.name = *v, found = true;
    else if (auto v2 = field("kplug_v_"))
      listing.version = *v2;
    else if (auto p = field("kplug_p_"))
      listing.packages.push_back(*p);
    else if (auto k = field("kplug_k_"))
      listing.keys.push_back(*k);
    else if (symbol.starts_with("kplug_b_"))
      listing.build_id = symbol.substr(8);
    else if (symbol.starts_with("kplug_a_")) {
      const std::string digits = symbol.substr(8);
      if (!digits.empty() && digits.size() < 10 && std::all_of(digits.begin(), digits.end(), ::isdigit)) {
        listing.abi_version = static_cast<std::uint32_t>(std::stoul(digits));
      }
    }
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
  return impl_->load_canonical(path);
}

std::string PluginHost::Impl::load_canonical(const fs::path& path) {
  std::lock_guard lock(mutex);
  if (const LoadedPlugin* loaded = find_by_path(path)) return loaded->name;
  try {
    std::string name = load_checked(path);
    failures.erase(path);
    return name;
  } catch (const PluginError& e) {
    failures[path] = e.what();
    throw;
  }
}

std::string PluginHost::Impl::load_checked(const fs::path& path) {
  const PluginListing listing = PluginHost::inspect(path);
  check_listing(listing, path);

  std::shared_ptr<LibraryHandle> handle;
  try {
    handle = open_library(path);
  } catch (const PluginError&) {
    throw;
  } catch (const std::exception& e) {
    throw PluginError("cannot load plugin " + describe(path) + ": " + e.what());
  }
  // One dlsym (shared_library::has then get would look the symbol up twice).
  const void* symbol = ::dlsym(handle->library.native(), plugin::kEntrySymbol);
  if (!symbol) {
    throw PluginError("plugin " + describe(path) + " has no entry symbol '" + std::string(plugin::kEntrySymbol) +
                      "': not a kplug plugin, or built for another ABI");
  }
  const auto& entry = *static_cast<const plugin::PluginEntry*>(symbol);
  check_handshake(entry, path);
  handle->entry = &entry;

  const std::string name = entry.name;
  if (auto it = by_name.find(name); it != by_name.end()) {
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
  std::sort(keys.begin(), keys.end());
  check_declared_keys(listing.keys, keys, name, path);
  try {
    Registry::global().add_all(std::move(entries));
  } catch (const RegistrationError& e) {
    throw PluginError("plugin '" + name + "' (" + describe(path) + ") was not loaded: " + e.what());
  }
  by_name.emplace(name, LoadedPlugin{name, text(entry.version), path, declared_packages(entry), std::move(keys),
                                     std::move(handle)});
  return name;
}

std::vector<PluginLoadReport> PluginHost::load_directory(const fs::path& directory, bool strict) {
  std::vector<PluginLoadReport> reports;
  // One canonical() for the directory instead of one per file (its lstat per path component
  // was a visible part of the load): a file that is not a symbolic link is canonical below it.
  std::error_code ec;
  const fs::path canonical_directory = fs::canonical(directory, ec);
  for (const fs::directory_entry& entry : plugin_entries(directory)) {
    const fs::path& file = entry.path();
    PluginLoadReport report{file, false, {}, {}};
    try {
      std::error_code link_ec;
      const bool direct = !ec && !entry.is_symlink(link_ec) && !link_ec;
      report.name = direct ? impl_->load_canonical(canonical_directory / file.filename()) : load(file);
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
    out.push_back(PluginListing{plugin.path, plugin.name, plugin.version, plugin::kAbiVersion, host_build_tag(),
                                plugin.packages, plugin.keys});
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

std::map<fs::path, std::vector<std::string>> PluginHost::indexed_packages() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->index_packages;
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
    if (std::find(packages.begin(), packages.end(), package) == packages.end()) continue;
    // What happened to it: loaded (then the key is not among its keys), failed, or only indexed.
    std::string state;
    if (impl_->find_by_path(path)) {
      state = "loaded, but it does not register this key";
    } else if (auto failed = impl_->failures.find(path); failed != impl_->failures.end()) {
      state = "failed to load: " + failed->second;
    } else {
      state = "indexed, not loaded";
    }
    providers.push_back(path.string() + " (" + state + ")");
  }
  std::size_t not_loaded = 0;
  for (const auto& p : providers) not_loaded += p.ends_with("(indexed, not loaded)") ? 1 : 0;
  if (providers.empty()) {
    out += "no indexed plugin declares it.";
  } else {
    out += "declared by the plugin(s) ";
    for (std::size_t i = 0; i < providers.size(); ++i) out += (i ? ", " : "") + providers[i];
    out += impl_->auto_load && not_loaded > 1 ? " (ambiguous: none was loaded on demand)." : ".";
  }
  out += " Loaded packages: ";
  if (loaded_packages.empty()) out += "none.";
  for (std::size_t i = 0; i < loaded_packages.size(); ++i) {
    out += (i ? ", " : "") + loaded_packages[i] + (i + 1 == loaded_packages.size() ? "." : "");
  }
  return out;
}

}  // namespace kplug
