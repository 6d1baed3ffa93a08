// Options of the kplug subcommands (filled by CLI11 in main.cpp) and the errors that
// main turns into exit codes: 0 ok, 1 usage error, 2 failure.
#pragma once

#include <string>
#include <vector>

namespace kplug::cli {

struct CommonOptions {
  std::vector<std::string> plugin_dirs;  // --plugins DIR (repeatable): loaded first
  bool unsafe = false;                   // --unsafe: safe_mode=false
  int indent = 2;                        // roundtrip --indent N, --compact (-1)
  bool load = false;                     // plugins --load
  bool json = false;                     // --json: machine-readable output
  std::string weights;                   // predict --weights, convert --weights (of a MODEL.json input)
  std::string weights_out;               // convert --weights-out (of a .json output)
  std::string input;                     // predict --input
  std::string output;                    // predict --output ("" = stdout)
  std::vector<std::string> positional;
  bool progress = false;  // stderr is a terminal: loads over a second show progress there
};

// Exit code 1: the command line itself is wrong (main prints the subcommand's usage hint).
struct UsageError {
  std::string message;
};

// Exit code 2 with "FILE: error: message": the failure is about the contents of `file`.
struct FileFailure {
  std::string file;
  std::string message;
};

constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitFailure = 2;

}  // namespace kplug::cli
