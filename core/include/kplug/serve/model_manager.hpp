// One served model's versions: polls `base_path/<version>/`, loads a new highest version
// beside the one being served, switches to it at once when it loaded (requests already
// running finish on the old one, which is unloaded when the last of them lets go), and
// keeps serving the old one when the new one fails to load.
#pragma once

#include "kplug/saving/keras_file.hpp"
#include "kplug/serve/model_config.hpp"
#include "kplug/serve/servable.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#pragma GCC visibility push(default)
namespace kplug::serve {

// TF Serving's ManagerState names.
enum class VersionState { loading, available, end };
const char* version_state_name(VersionState state);  // "LOADING", "AVAILABLE", "END"

struct VersionStatus {
  std::int64_t version = 0;
  VersionState state = VersionState::loading;
  std::string error;  // why a version failed to load ("" when it did not)
};

class ModelManager {
 public:
  // `log` receives one line per load, switch and failure (null: none).
  ModelManager(ModelConfig config, saving::LoadModelOptions load_options,
               std::function<void(const std::string&)> log = {});

  const std::string& name() const noexcept { return config_.name; }

  // Scans the base path once and loads its highest version if it is new (or changed since it
  // failed). Blocks while loading; requests go on being served meanwhile.
  void poll();

  // The servable of `version` (nullopt: the latest); null when it is not loaded.
  std::shared_ptr<const Servable> servable(std::optional<std::int64_t> version = std::nullopt) const;
  // Every version seen, highest first.
  std::vector<VersionStatus> statuses() const;
  bool ready() const;  // a version is loaded

 private:
  // The model file inside a version directory; empty when there is none.
  static std::filesystem::path model_file(const std::filesystem::path& version_dir);
  std::optional<std::pair<std::int64_t, std::filesystem::path>> latest_version() const;
  void set_status(std::int64_t version, VersionState state, const std::string& error);
  void report(const std::string& line) const;

  ModelConfig config_;
  saving::LoadModelOptions load_options_;
  std::function<void(const std::string&)> log_;
  std::mutex poll_mutex_;     // one poll at a time (the poll thread, poll_models()); guards failed_fingerprints_
  mutable std::mutex mutex_;  // guards current_ and statuses_
  std::shared_ptr<const Servable> current_;
  std::map<std::int64_t, VersionStatus, std::greater<>> statuses_;
  // A failed version is retried only when its file changes (a copy still under way).
  std::map<std::int64_t, std::string> failed_fingerprints_;
};

}  // namespace kplug::serve
#pragma GCC visibility pop
