#include "kplug/registry.hpp"

#include "registry/registered_object.hpp"

#include "kplug/scope.hpp"

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <shared_mutex>

namespace kplug {
namespace {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

void check_part(std::string_view part, std::string_view what, std::string_view package, std::string_view name) {
  if (part.empty()) {
    throw RegistrationError("cannot register '" + std::string(package) + ">" + std::string(name) + "': the " +
                            std::string(what) + " is empty");
  }
  if (part.find('>') != std::string_view::npos) {
    throw RegistrationError("cannot register '" + std::string(package) + ">" + std::string(name) + "': the " +
                            std::string(what) + " must not contain '>'");
  }
}

}  // namespace

SourceSite SourceSite::here(SourceLocation where) {
  return SourceSite{where.file_name(), static_cast<unsigned>(where.line()), {}};
}

std::string SourceSite::to_string() const {
  std::string s = file.empty() ? "<unknown>" : file;
  if (line) s += ":" + std::to_string(line);
  s += owner.empty() ? " (host program)" : " (plugin " + owner + ")";
  return s;
}

std::string make_registered_key(std::string_view package, std::string_view name) {
  check_part(package, "package", package, name);
  check_part(name, "name", package, name);
  std::string key;
  key.reserve(package.size() + name.size() + 1);
  key.append(package).append(">").append(name);
  return key;
}

RegisteredObjectPtr function_entry(ObjectPtr function, SourceLocation where) {
  return new_function_entry(std::move(function), where);
}

std::shared_ptr<RegisteredObject> new_registered_object() { return std::make_shared<RegisteredObject>(); }

Kind registered_kind(const RegisteredObject& entry) noexcept { return entry.kind; }
const std::string& registered_class_name(const RegisteredObject& entry) noexcept { return entry.class_name; }
const std::optional<std::string>& registered_module(const RegisteredObject& entry) noexcept { return entry.module; }
const ObjectPtr& registered_function(const RegisteredObject& entry) noexcept { return entry.function; }
bool registered_is_function(const RegisteredObject& entry) noexcept { return entry.is_function(); }
const SourceSite& registered_site(const RegisteredObject& entry) noexcept { return entry.site; }

std::shared_ptr<RegisteredObject> make_class_entry(Kind kind, std::string class_name, std::optional<std::string> module,
                                                   std::type_index type, ClassFactory from_config,
                                                   SourceLocation where) {
  auto entry = new_registered_object();
  entry->kind = kind;
  entry->class_name = std::move(class_name);
  entry->module = std::move(module);
  entry->type = type;
  entry->from_config = std::move(from_config);
  entry->site = SourceSite::here(where);
  return entry;
}

const std::string& default_registered_name(const RegisteredObject& entry) { return entry.class_name; }

std::shared_ptr<RegisteredObject> new_function_entry(ObjectPtr function, SourceLocation where) {
  if (function && !as_function(*function) && dynamic_cast<const NamedFunction*>(function.get())) {
    throw RegistrationError("'" + function->class_name() +
                            "' derives from NamedFunction but does not override Serializable::as_named_function "
                            "(return this): it would serialize as a class");
  }
  if (!function || !as_function(*function)) {
    throw RegistrationError("function_entry needs a function object (an ActivationFunction, a LossFunction, ...)");
  }
  auto entry = new_registered_object();
  entry->kind = function->kind();
  entry->class_name = "function";
  entry->function = std::move(function);
  entry->site = SourceSite::here(where);
  return entry;
}

namespace {

// Each thread remembers its last lookups per registry, valid while the registry's
// version is unchanged: repeated lookups then take no lock. Entries are held weakly,
// so a cache never keeps an unloaded plugin's entry (or library) alive.
struct LookupCache {
  struct Slot {
    std::uint64_t registry_id = 0;
    std::uint64_t version = 0;
    std::string key;
    std::weak_ptr<const RegisteredObject> entry;
  };
  static constexpr std::size_t kSlots = 64;
  std::array<Slot, kSlots> slots;
};
// initial-exec: the hot path then reads TLS without a __tls_get_addr call (libkplug is
// linked by the host, not dlopened, so static TLS is available).
__attribute__((tls_model("initial-exec"))) thread_local LookupCache t_lookup_cache;

// A key's cache slot, from its length and its first and last 8 bytes: cheaper than a full
// string hash. Keys differing only in the middle share a slot, which costs a cache miss,
// never a wrong answer (the slot's key is compared in full).
std::size_t cache_slot(std::string_view key) noexcept {
  static_assert(LookupCache::kSlots == 64, "the slot is the hash's top 6 bits");
  const std::size_t n = key.size();
  if (n == 0) return 0;  // an empty view may have no data pointer to copy from
  std::uint64_t head = 0, tail = 0;
  std::memcpy(&head, key.data(), std::min<std::size_t>(n, 8));
  if (n > 8) {
    const std::size_t tail_size = std::min<std::size_t>(n - 8, 8);
    std::memcpy(&tail, key.data() + n - tail_size, tail_size);
  }
  const std::uint64_t mixed = (head ^ (tail * 0x9E3779B97F4A7C15ull) ^ n) * 0xFF51AFD7ED558CCDull;
  return static_cast<std::size_t>(mixed >> 58);
}

std::atomic<std::uint64_t> g_next_registry_id{1};

}  // namespace

struct Registry::Impl {
  const std::uint64_t id = g_next_registry_id.fetch_add(1, std::memory_order_relaxed);
  // Bumped (under the unique lock) by every change; lock-free readers compare it.
  std::atomic<std::uint64_t> version{1};
  mutable std::shared_mutex mutex;
  boost::unordered_flat_map<std::string, RegisteredObjectPtr, StringHash, std::equal_to<>> by_key;
  boost::unordered_flat_map<std::type_index, std::string> key_by_type;
  // How many keys each class has: removing a class's key looks for another one only if there is one.
  boost::unordered_flat_map<std::type_index, std::size_t> keys_per_type;

  // Caller holds the unique lock.
  void check_free(const std::string& key, const RegisteredObject& entry) const {
    auto it = by_key.find(key);
    if (it == by_key.end()) return;
    throw RegistrationError("key '" + key + "' is registered twice: first at " + it->second->site.to_string() +
                            ", again at " + entry.site.to_string() + ". Use another package or name" +
                            // Only the host's API can replace (RegisterOptions::replace); a plugin's registrar cannot.
                            (entry.site.owner.empty() ? ", or register with replace = true." : "."));
  }
  void changed() { version.fetch_add(1, std::memory_order_release); }
  void insert(std::string key, RegisteredObjectPtr entry) {
    changed();
    if (entry->type) {
      key_by_type.try_emplace(*entry->type, key);
      ++keys_per_type[*entry->type];
    }
    by_key.insert_or_assign(std::move(key), std::move(entry));
  }
  void remove(const std::string& key, const RegisteredObject& entry) {
    changed();
    if (entry.type) {
      std::size_t others = 0;
      if (auto count = keys_per_type.find(*entry.type); count != keys_per_type.end()) {
        others = --count->second;
        if (others == 0) keys_per_type.erase(count);
      }
      auto it = key_by_type.find(*entry.type);
      if (it != key_by_type.end() && it->second == key) {
        key_by_type.erase(it);
        // Another key of the same class takes over, as the first remaining in key order.
        std::vector<std::string> keys;
        if (others > 0) {
          for (const auto& [k, e] : by_key) {
            if (k != key && e->type == entry.type) keys.push_back(k);
          }
        }
        if (!keys.empty()) key_by_type.emplace(*entry.type, *std::min_element(keys.begin(), keys.end()));
      }
    }
    by_key.erase(key);
  }
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

Registry& Registry::global() {
  static Registry registry;
  return registry;
}

Registry& get_custom_objects() { return Registry::global(); }

void Registry::add(std::string key, RegisteredObjectPtr entry, bool replace) {
  if (!entry) throw RegistrationError("cannot register '" + key + "': null entry");
  std::unique_lock lock(impl_->mutex);
  if (!replace) impl_->check_free(key, *entry);
  auto existing = impl_->by_key.find(key);
  if (existing != impl_->by_key.end()) {
    RegisteredObjectPtr old = existing->second;
    impl_->remove(key, *old);
  }
  impl_->insert(std::move(key), std::move(entry));
}

void Registry::add_all(std::vector<std::pair<std::string, RegisteredObjectPtr>> entries) {
  std::unique_lock lock(impl_->mutex);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].second) throw RegistrationError("cannot register '" + entries[i].first + "': null entry");
    impl_->check_free(entries[i].first, *entries[i].second);
    for (std::size_t j = 0; j < i; ++j) {
      if (entries[j].first == entries[i].first) {
        throw RegistrationError("key '" + entries[i].first + "' is registered twice: first at " +
                                entries[j].second->site.to_string() + ", again at " +
                                entries[i].second->site.to_string() + ".");
      }
    }
  }
  for (auto& [key, entry] : entries) impl_->insert(std::move(key), std::move(entry));
}

bool Registry::erase(std::string_view key) {
  std::unique_lock lock(impl_->mutex);
  auto it = impl_->by_key.find(key);
  if (it == impl_->by_key.end()) return false;
  std::string k = it->first;
  RegisteredObjectPtr entry = it->second;
  impl_->remove(k, *entry);
  return true;
}

std::size_t Registry::erase_owned_by(std::string_view owner) { return erase_owned_by(std::vector{std::string(owner)}); }

std::size_t Registry::erase_owned_by(const std::vector<std::string>& owners) {
  const boost::unordered_flat_set<std::string_view> wanted(owners.begin(), owners.end());
  std::unique_lock lock(impl_->mutex);
  std::vector<std::pair<std::string, RegisteredObjectPtr>> doomed;
  for (const auto& [key, entry] : impl_->by_key) {
    if (wanted.contains(entry->site.owner)) doomed.emplace_back(key, entry);
  }
  for (const auto& [key, entry] : doomed) impl_->remove(key, *entry);
  return doomed.size();
}

void Registry::clear() {
  std::unique_lock lock(impl_->mutex);
  impl_->changed();
  impl_->by_key.clear();
  impl_->key_by_type.clear();
  impl_->keys_per_type.clear();
}

RegisteredObjectPtr Registry::find(std::string_view key) const {
  LookupCache::Slot& slot = t_lookup_cache.slots[cache_slot(key)];
  const std::uint64_t version = impl_->version.load(std::memory_order_acquire);
  if (slot.registry_id == impl_->id && slot.version == version && slot.key == key) {
    if (auto entry = slot.entry.lock()) return entry;
  }
  std::shared_lock lock(impl_->mutex);
  auto it = impl_->by_key.find(key);
  RegisteredObjectPtr entry = it == impl_->by_key.end() ? nullptr : it->second;
  if (entry) {
    // Read under the lock: no writer can run between the lookup and this version.
    slot.registry_id = impl_->id;
    slot.version = impl_->version.load(std::memory_order_relaxed);
    slot.key.assign(key);
    slot.entry = entry;
  }
  return entry;
}

std::optional<std::string> Registry::key_of(std::type_index type) const {
  std::shared_lock lock(impl_->mutex);
  auto it = impl_->key_by_type.find(type);
  if (it == impl_->key_by_type.end()) return std::nullopt;
  return it->second;
}

std::optional<std::pair<std::string, RegisteredObjectPtr>> Registry::find_by_bare_name(std::string_view name) const {
  const std::string suffix = ">" + std::string(name);
  std::optional<std::pair<std::string, RegisteredObjectPtr>> best;
  std::shared_lock lock(impl_->mutex);
  for (const auto& [key, entry] : impl_->by_key) {
    if (key.size() > suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0) {
      if (!best || key < best->first) best.emplace(key, entry);
    }
  }
  return best;
}

std::vector<std::pair<std::string, RegisteredObjectPtr>> Registry::entries() const {
  std::vector<std::pair<std::string, RegisteredObjectPtr>> out;
  {
    std::shared_lock lock(impl_->mutex);
    out.assign(impl_->by_key.begin(), impl_->by_key.end());
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::vector<std::string> Registry::keys() const {
  std::vector<std::string> out;
  for (auto& [key, entry] : entries()) out.push_back(key);
  return out;
}

std::size_t Registry::size() const {
  std::shared_lock lock(impl_->mutex);
  return impl_->by_key.size();
}

void register_function(ObjectPtr function, bool replace, SourceLocation where) {
  const NamedFunction* named = function ? as_function(*function) : nullptr;
  if (!named) throw RegistrationError("register_function needs a function object");
  const std::string& key = named->name();
  const std::size_t gt = key.find('>');
  if (gt == std::string::npos) {
    throw RegistrationError("cannot register function '" + key + "': its name must be \"package>name\"");
  }
  std::string checked = make_registered_key(std::string_view(key).substr(0, gt), std::string_view(key).substr(gt + 1));
  Registry::global().add(std::move(checked), function_entry(std::move(function), where), replace);
}

std::string get_registered_name(const Serializable& object) {
  if (const NamedFunction* fn = as_function(object)) return fn->name();
  if (auto key = Registry::global().key_of(std::type_index(typeid(object)))) return *key;
  return object.class_name();
}

RegisteredObjectPtr get_registered_object(std::string_view key, const CustomObjectMap& custom_objects,
                                          const CustomObjectMap& module_objects) {
  if (auto hit = find_in_scopes(key)) return hit;
  if (auto hit = Registry::global().find(key)) return hit;
  if (auto it = custom_objects.find(key); it != custom_objects.end()) return it->second;
  if (auto it = module_objects.find(key); it != module_objects.end()) return it->second;
  return nullptr;
}

}  // namespace kplug
