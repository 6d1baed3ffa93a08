// Which models a server serves, and how it batches: TF Serving's --model_config_file
// (`model_config_list { config { name: "m" base_path: "/models/m" } ... }`) and
// --batching_parameters_file (`max_batch_size { value: 32 } ...`), both protobuf text format.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)
namespace kplug::serve {

// A model directory as TF Serving lays it out: `base_path/<version>/model.keras` (or the
// archive's folder form, or `model.h5`), the highest version served.
struct ModelConfig {
  std::string name;
  std::filesystem::path base_path;
};

// TF Serving's batching parameters. Off: every request is one predict call, run on the HTTP
// thread that read it (ServerOptions::io_threads are then the predict threads).
struct BatchingOptions {
  bool enabled = false;
  std::int64_t max_batch_size = 32;               // rows merged into one predict
  std::chrono::microseconds batch_timeout{1000};  // how long a batch waits to fill
  int num_batch_threads = 2;                      // predict threads per model
  std::int64_t max_enqueued_batches = 64;         // beyond this, 503 at once
};

// The models of a model_config_list text; ValueError naming the file's line when malformed,
// NotSupportedError for TF Serving options kplug does not implement (a version policy
// other than the latest version, a platform other than tensorflow/keras).
std::vector<ModelConfig> parse_model_config(std::string_view text, std::string_view file = "model config");
std::vector<ModelConfig> read_model_config_file(const std::filesystem::path& path);

// Reads a batching parameters text into `options` (setting `enabled`).
void parse_batching_parameters(std::string_view text, BatchingOptions& options,
                               std::string_view file = "batching parameters");
void read_batching_parameters_file(const std::filesystem::path& path, BatchingOptions& options);

}  // namespace kplug::serve
#pragma GCC visibility pop
