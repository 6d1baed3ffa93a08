// Options of the kplug subcommands (filled by CLI11 in main.cpp) and the errors that
// main turns into exit codes: 0 ok, 1 usage error, 2 failure.
#pragma once

#include <string>
#include <vector>

namespace kplug::cli {

// kplug serve's flags (TF Serving's names where it has one).
struct ServeFlags {
  std::string model_base_path;  // --model-base-path DIR: DIR/<version>/model.keras
  std::string model_name = "default";
  std::string model_config_file;  // --model-config-file: several models
  std::string host = "127.0.0.1";
  int port = 8501;  // 0: a free port (printed)
  int threads = 2;  // --rest-api-num-threads
  bool enable_batching = false;
  std::string batching_parameters_file;
  int num_batch_threads = 2;
  int intra_op_threads = 0;  // --tensorflow-intra-op-parallelism: threads per predict call (0: chosen)
  double poll_seconds = 1;   // --file-system-poll-wait-seconds
  long long max_body_bytes = 64ll << 20;
  long long request_timeout_ms = 30000;  // --rest-api-timeout-in-ms
  long long idle_timeout_ms = 60000;
  long long header_timeout_ms = 10000;
  // kplug's own (TF Serving has none): request bodies' JSON nesting and number count (400
  // beyond), connections open at once (503 beyond; 0: no limit).
  long long max_json_depth = 64;
  long long max_elements = 1ll << 24;
  long long max_connections = 1000;
};

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
  ServeFlags serve;
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
