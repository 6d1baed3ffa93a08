// kplug plugins DIR... [--load] [--json]: list plugins from their files (no code runs);
// --load also loads each one and reports the outcome.
#include "commands.hpp"

#include "kplug/json.hpp"
#include "kplug/plugin_host.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

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

boost::json::array to_array(const std::vector<std::string>& items) {
  boost::json::array array;
  for (const auto& item : items) array.emplace_back(item);
  return array;
}

}  // namespace

int run_plugins(const CommonOptions& options, std::ostream& out, std::ostream& err) {
  if (options.positional.empty()) throw UsageError{"plugins takes one or more directories"};
  PluginHost host;
  int failures = 0;
  // --json: one object per plugin file, in the order the text lists them.
  boost::json::array listed;
  for (const std::string& dir : options.positional) {
    for (const auto& file : PluginHost::plugin_files(dir)) {
      boost::json::object entry;
      entry["file"] = file.string();
      try {
        const PluginListing listing = PluginHost::inspect(file);
        entry["name"] = listing.name;
        entry["version"] = listing.version;
        entry["abi_version"] = listing.abi_version;
        entry["build_id"] = listing.build_id;
        entry["packages"] = to_array(listing.packages);
        entry["keys"] = to_array(listing.keys);
        if (!options.json) {
          out << listing.name << " " << listing.version << " (ABI " << listing.abi_version << ") " << file.string()
              << "\n";
          out << "  build: " << (listing.build_id.empty() ? "(none listed)" : listing.build_id) << "\n";
          print_list(out, "packages", listing.packages);
          print_list(out, "keys", listing.keys, "(none declared)");
        }
        // Told from the file alone: a plugin this host would refuse is not listed as usable.
        if (const std::string why = PluginHost::incompatibility(listing); !why.empty()) {
          ++failures;
          entry["incompatible"] = why;
          if (!options.json) out << "  incompatible: " << why << "\n";
          listed.push_back(std::move(entry));
          continue;
        }
        entry["incompatible"] = nullptr;
      } catch (const PluginError& e) {
        ++failures;
        entry["error"] = e.what();
        if (!options.json) err << "kplug: " << e.what() << "\n";
        listed.push_back(std::move(entry));
        continue;
      }
      if (options.load) {
        boost::json::object load;
        try {
          const std::string name = host.load(file);
          load["ok"] = true;
          if (!options.json) out << "  load: ok\n";
          for (const PluginListing& loaded : host.loaded()) {
            if (loaded.name != name) continue;
            load["registered_keys"] = to_array(loaded.keys);
            if (!options.json) print_list(out, "registered keys", loaded.keys);
          }
        } catch (const PluginError& e) {
          ++failures;
          load["ok"] = false;
          load["error"] = e.what();
          if (!options.json) out << "  load: FAILED: " << e.what() << "\n";
        }
        entry["load"] = std::move(load);
      }
      listed.push_back(std::move(entry));
    }
  }
  if (options.json) out << json::write(listed) << "\n";
  return failures == 0 ? kExitOk : kExitFailure;
}

}  // namespace kplug::cli
