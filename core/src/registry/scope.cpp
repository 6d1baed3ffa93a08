#include "kplug/scope.hpp"

#include "registry/registered_object.hpp"

#include <algorithm>
#include <vector>

namespace kplug {
namespace {

// This thread's open scopes, outermost first. Scopes are RAII objects on the
// stack, so they close in reverse order of opening.
__attribute__((tls_model("initial-exec"))) thread_local std::vector<const CustomObjectMap*> t_scopes;

}  // namespace

CustomObjectScope::CustomObjectScope(CustomObjectMap objects) : objects_(std::move(objects)) {
  t_scopes.push_back(&objects_);
}

CustomObjectScope::~CustomObjectScope() {
  auto it = std::find(t_scopes.rbegin(), t_scopes.rend(), &objects_);
  if (it != t_scopes.rend()) t_scopes.erase(std::next(it).base());
}

RegisteredObjectPtr find_in_scopes(std::string_view key) {
  for (auto it = t_scopes.rbegin(); it != t_scopes.rend(); ++it) {
    if (auto hit = (*it)->find(key); hit != (*it)->end()) return hit->second;
  }
  return nullptr;
}

std::vector<std::string> scope_keys() {
  std::vector<std::string> keys;
  for (const CustomObjectMap* scope : t_scopes) {
    for (const auto& [key, entry] : *scope) keys.push_back(key);
  }
  return keys;
}

bool has_custom_object_scope() noexcept { return !t_scopes.empty(); }

}  // namespace kplug
