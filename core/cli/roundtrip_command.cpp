// kplug roundtrip FILE.json|- : deserialize, serialize back, print.
#include "commands.hpp"
#include "plugin_setup.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/serialization.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string_view>

namespace kplug::cli {
namespace {

std::string read_input(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error("cannot open '" + path + "'");
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw Error("cannot read '" + path + "'");
  return std::move(text).str();
}

}  // namespace

int run_roundtrip(const CommonOptions& options, std::ostream& out, std::ostream& err) {
  if (options.positional.size() != 1) throw UsageError{"roundtrip takes one FILE.json (or - for stdin)"};
  PluginHost host;
  setup_plugins(host, options, err);
  const std::string& path = options.positional[0];
  const std::string text = read_input(path);
  boost::json::value config;
  try {
    config = json::parse(text);
  } catch (const JsonError& e) {
    throw JsonError((path == "-" ? std::string("<stdin>") : path) + ": " + e.what());
  }
  DeserializeOptions deserialize_options;
  deserialize_options.safe_mode = !options.unsafe;
  deserialize_options.key_provider = &host;
  Value value;
  try {
    value = deserialize(config, deserialize_options);
  } catch (const UnknownObjectError& e) {
    // The library says a plugin was only indexed; this program's way to load it is a flag.
    if (std::string_view(e.what()).find("indexed, not loaded") == std::string_view::npos) throw;
    err << "kplug roundtrip: error: " << e.what() << "\n  (load a plugin directory with --plugins DIR)\n";
    return 2;
  }
  json::WriteOptions write_options;
  write_options.indent = options.indent;
  out << json::write(serialize(value), write_options) << "\n";
  return 0;
}

}  // namespace kplug::cli
