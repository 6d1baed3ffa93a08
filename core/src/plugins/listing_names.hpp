// The symbol names a plugin's listing section holds: every string is hex-encoded so
// that any package or key becomes a C identifier. The SDK's CMake code
// (cmake/KplugPlugin.cmake) encodes; the host decodes here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kplug::plugin::detail {

// Prefixes: kplug_n_<hex name>, kplug_v_<hex version>, kplug_a_<decimal abi>,
// kplug_p_<hex package>, kplug_k_<hex key>.
std::optional<std::string> hex_decode(std::string_view hex);

}  // namespace kplug::plugin::detail
