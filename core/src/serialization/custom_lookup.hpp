// Where a custom key ("package>name") is looked up, in deserialize's one precedence.
#pragma once

#include "kplug/serialization.hpp"

#include <string_view>

namespace kplug::detail {

// Scope, then global registry, then the call's custom_objects.
RegisteredObjectPtr find_known(std::string_view key, const DeserializeOptions& options);
// find_known; then, for a "package>name" key, whatever the key provider (plugin host) can
// make available.
RegisteredObjectPtr find_custom(std::string_view key, const DeserializeOptions& options);

}  // namespace kplug::detail
