// kplug roundtrip FILE.json|- : deserialize, serialize back, print.
#include "commands.hpp"
#include "plugin_setup.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/serialization.hpp"

#include <ostream>
#include <string_view>

namespace kplug::cli {

int run_roundtrip(const CommonOptions& options, std::ostream& out, std::ostream& err) {
  if (options.positional.size() != 1) throw UsageError{"roundtrip takes one FILE.json (or - for stdin)"};
  PluginHost host;
  setup_plugins(host, options, err);
  const std::string& path = options.positional[0];
  const boost::json::value config = in_file(path, [&] { return json::parse(read_input(path)); });
  DeserializeOptions deserialize_options;
  deserialize_options.safe_mode = !options.unsafe;
  deserialize_options.key_provider = &host;
  Value value;
  try {
    value = in_file(path, [&] { return deserialize(config, deserialize_options); });
  } catch (const FileFailure& e) {
    // The library says a plugin was only indexed; this program's way to load it is a flag.
    if (std::string_view(e.message).find("indexed, not loaded") == std::string_view::npos) throw;
    err << e.file << ": error: " << e.message << "\n  (load a plugin directory with --plugins DIR)\n";
    return kExitFailure;
  }
  json::WriteOptions write_options;
  write_options.indent = options.indent;
  out << json::write(serialize(value), write_options) << "\n";
  return kExitOk;
}

}  // namespace kplug::cli
