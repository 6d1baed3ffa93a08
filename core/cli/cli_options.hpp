// Command-line flags shared by the kplug subcommands.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kplug::cli {

struct CommonOptions {
  std::vector<std::string> plugin_dirs;  // --plugins DIR (repeatable)
  bool unsafe = false;                   // --unsafe: safe_mode=false
  int indent = 2;                        // --indent N, --compact (-1)
  bool load = false;                     // plugins --load
  std::vector<std::string> positional;
};

// Parses flags after the subcommand name; throws UsageError on a bad flag.
CommonOptions parse_common(const std::vector<std::string>& args);

struct UsageError {
  std::string message;
};

}  // namespace kplug::cli
