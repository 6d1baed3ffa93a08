// The layout of a registry entry: private to libkplug (plugins only see the opaque
// `RegisteredObject` of kplug/registry.hpp), so it can change without an ABI break.
#pragma once

#include "kplug/registry.hpp"

#include <optional>
#include <string>
#include <typeindex>

namespace kplug {

struct RegisteredObject {
  Kind kind = Kind::other;
  std::string class_name;               // the class's own name; "function" for functions
  std::optional<std::string> module;    // "module" written by serialize (classes)
  std::optional<std::type_index> type;  // classes: for get_registered_name
  ClassFactory from_config;             // classes; empty when the class has none
  ObjectPtr function;                   // functions (immutable objects)
  SourceSite site;

  bool is_function() const noexcept { return function != nullptr; }
};

// An empty entry, allocated by libkplug: its shared_ptr control block then lives in
// core code, so the weak references lookup caches keep can be released after the plugin
// that filled the entry is unloaded.
std::shared_ptr<RegisteredObject> new_registered_object();

}  // namespace kplug
