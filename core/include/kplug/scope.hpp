// Keras's `custom_object_scope`: RAII, thread-local. Unlike Keras, nested scopes
// merge (the inner one wins on a shared key) instead of the inner hiding the outer.
#pragma once

#include "kplug/registry.hpp"

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

class CustomObjectScope {
 public:
  explicit CustomObjectScope(CustomObjectMap objects);
  ~CustomObjectScope();
  CustomObjectScope(const CustomObjectScope&) = delete;
  CustomObjectScope& operator=(const CustomObjectScope&) = delete;

  const CustomObjectMap& objects() const noexcept { return objects_; }

 private:
  CustomObjectMap objects_;
};

// The innermost scope entry of this thread for `key`, else null.
RegisteredObjectPtr find_in_scopes(std::string_view key);
// Every key visible through this thread's scopes (for suggestions).
std::vector<std::string> scope_keys();
// True when this thread has at least one scope open.
bool has_custom_object_scope() noexcept;

}  // namespace kplug
#pragma GCC visibility pop
