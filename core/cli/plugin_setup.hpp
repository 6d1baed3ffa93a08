// The CLI's plugin host: --plugins DIR loads; KPLUG_PLUGIN_PATH (colon-separated)
// directories are only indexed, so that a missing key's error names the plugin that
// would provide it. Nothing is loaded unless the user asked for it.
#pragma once

#include "cli_options.hpp"

#include "kplug/plugin_host.hpp"

#include <iosfwd>

namespace kplug::cli {

// Loads the --plugins directories (reporting broken plugins on `err`) and indexes KPLUG_PLUGIN_PATH.
void setup_plugins(PluginHost& host, const CommonOptions& options, std::ostream& err);

}  // namespace kplug::cli
