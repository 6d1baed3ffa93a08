// kplug: a thin command line over the library. Exit 0 on success, 2 on any error
// (message on stderr), so scripts can tell failure from output.
#include "cli_options.hpp"
#include "commands.hpp"

#include "kplug/errors.hpp"

#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr const char* kUsage =
    "usage: kplug <command> [options] ...\n"
    "\n"
    "commands:\n"
    "  roundtrip FILE.json|-   deserialize a Keras object dict, serialize it back, print the JSON\n"
    "  plugins DIR... [--load] list plugins (name, version, ABI, packages, keys) without running them;\n"
    "                          --load also loads each and reports the outcome\n"
    "\n"
    "options (for commands that deserialize):\n"
    "  --plugins DIR           load the plugins in DIR first (repeatable)\n"
    "  --unsafe                safe_mode=false (kplug still never runs Python code)\n"
    "  --indent N | --compact  output layout (default: --indent 2, as json.dumps(indent=2))\n"
    "\n"
    "environment:\n"
    "  KPLUG_PLUGIN_PATH       directories (colon-separated) indexed, never loaded, so that errors\n"
    "                          name the plugin that provides a missing package\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? std::cerr : std::cout) << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    const kplug::cli::CommonOptions options = kplug::cli::parse_common(args);
    if (command == "roundtrip") return kplug::cli::run_roundtrip(options, std::cout, std::cerr);
    if (command == "plugins") return kplug::cli::run_plugins(options, std::cout, std::cerr);
    std::cerr << "kplug: unknown command '" << command << "'\n" << kUsage;
    return 2;
  } catch (const kplug::cli::UsageError& e) {
    std::cerr << "kplug " << command << ": " << e.message << "\n" << kUsage;
  } catch (const kplug::Error& e) {
    std::cerr << "kplug " << command << ": error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "kplug " << command << ": unexpected error: " << e.what() << "\n";
  }
  return 2;
}
