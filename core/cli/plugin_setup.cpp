#include "plugin_setup.hpp"

#include <cstdlib>
#include <ostream>
#include <sstream>
#include <string>

namespace kplug::cli {

void setup_plugins(PluginHost& host, const CommonOptions& options, std::ostream& err) {
  for (const std::string& dir : options.plugin_dirs) {
    host.index_directory(dir);
    for (const PluginLoadReport& report : host.load_directory(dir)) {
      if (!report.loaded) err << "kplug: warning: plugin not loaded: " << report.error << "\n";
    }
  }
  if (const char* path = std::getenv("KPLUG_PLUGIN_PATH")) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (dir.empty()) continue;
      try {
        host.index_directory(dir);
      } catch (const PluginError& e) {
        err << "kplug: warning: KPLUG_PLUGIN_PATH: " << e.what() << "\n";
      }
    }
  }
}

}  // namespace kplug::cli
