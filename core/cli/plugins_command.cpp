// kplug plugins DIR... [--load]: list plugins from their files (no code runs);
// --load also loads each one and reports the outcome.
#include "commands.hpp"

#include "kplug/plugin_host.hpp"

#include <ostream>

namespace kplug::cli {
namespace {

void print_list(std::ostream& out, const char* label, const std::vector<std::string>& items,
                const char* none = "(none)") {
  out << "  " << label << ":";
  if (items.empty()) out << " " << none;
  for (const auto& item : items) out << " " << item;
  out << "\n";
}

}  // namespace

int run_plugins(const CommonOptions& options, std::ostream& out, std::ostream& err) {
  if (options.positional.empty()) throw UsageError{"plugins takes one or more directories"};
  PluginHost host;
  int failures = 0;
  for (const std::string& dir : options.positional) {
    for (const auto& file : PluginHost::plugin_files(dir)) {
      try {
        const PluginListing listing = PluginHost::inspect(file);
        out << listing.name << " " << listing.version << " (ABI " << listing.abi_version << ") " << file.string()
            << "\n";
        out << "  build: " << (listing.build_id.empty() ? "(none listed)" : listing.build_id) << "\n";
        print_list(out, "packages", listing.packages);
        print_list(out, "keys", listing.keys, "(none declared)");
        // Told from the file alone: a plugin this host would refuse is not listed as usable.
        if (const std::string why = PluginHost::incompatibility(listing); !why.empty()) {
          ++failures;
          out << "  incompatible: " << why << "\n";
          continue;
        }
      } catch (const PluginError& e) {
        ++failures;
        err << "kplug: " << e.what() << "\n";
        continue;
      }
      if (options.load) {
        try {
          const std::string name = host.load(file);
          out << "  load: ok\n";
          for (const PluginListing& loaded : host.loaded()) {
            if (loaded.name == name) print_list(out, "registered keys", loaded.keys);
          }
        } catch (const PluginError& e) {
          ++failures;
          out << "  load: FAILED: " << e.what() << "\n";
        }
      }
    }
  }
  return failures == 0 ? 0 : 2;
}

}  // namespace kplug::cli
