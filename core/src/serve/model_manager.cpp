#include "kplug/serve/model_manager.hpp"

#include <charconv>
#include <system_error>

namespace kplug::serve {
namespace fs = std::filesystem;

const char* version_state_name(VersionState state) {
  switch (state) {
    case VersionState::loading: return "LOADING";
    case VersionState::available: return "AVAILABLE";
    case VersionState::end: return "END";
  }
  return "UNKNOWN";
}

namespace {

std::optional<std::int64_t> version_number(const std::string& name) {
  std::int64_t version = 0;
  const auto result = std::from_chars(name.data(), name.data() + name.size(), version);
  if (result.ec != std::errc() || result.ptr != name.data() + name.size() || version < 0) return std::nullopt;
  return version;
}

// Changes when the model file (or a folder form's files) is rewritten.
std::string fingerprint(const fs::path& path) {
  std::error_code ec;
  std::string text;
  auto add = [&](const fs::path& p) {
    const auto size = fs::is_regular_file(p, ec) ? fs::file_size(p, ec) : 0;
    const auto time = fs::last_write_time(p, ec).time_since_epoch().count();
    text += p.filename().string() + ":" + std::to_string(size) + ":" + std::to_string(time) + ";";
  };
  add(path);
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) add(entry.path());
  }
  return text;
}

}  // namespace

ModelManager::ModelManager(ModelConfig config, saving::LoadModelOptions load_options,
                           std::function<void(const std::string&)> log)
    : config_(std::move(config)), load_options_(std::move(load_options)), log_(std::move(log)) {}

fs::path ModelManager::model_file(const fs::path& version_dir) {
  std::error_code ec;
  for (const char* name : {"model.keras", "model.h5", "model.hdf5"}) {
    if (fs::exists(version_dir / name, ec)) return version_dir / name;
  }
  if (fs::exists(version_dir / "config.json", ec)) return version_dir;  // the archive's folder form itself
  for (const auto& entry : fs::directory_iterator(version_dir, ec)) {
    const auto ext = entry.path().extension();
    if (ext == ".keras" || ext == ".h5") return entry.path();
  }
  return {};
}

std::optional<std::pair<std::int64_t, fs::path>> ModelManager::latest_version() const {
  std::error_code ec;
  std::optional<std::pair<std::int64_t, fs::path>> latest;
  for (const auto& entry : fs::directory_iterator(config_.base_path, ec)) {
    const auto version = version_number(entry.path().filename().string());
    if (!version || !entry.is_directory(ec)) continue;
    if (!latest || *version > latest->first) latest.emplace(*version, entry.path());
  }
  if (ec) report("cannot list " + config_.base_path.string() + ": " + ec.message());
  return latest;
}

void ModelManager::poll() {
  const std::lock_guard polling(poll_mutex_);
  const auto latest = latest_version();
  if (!latest) return;
  const auto [version, dir] = *latest;
  if (const auto current = servable(); current && current->version() >= version) return;
  const fs::path file = model_file(dir);
  if (file.empty()) return;  // a version directory still being filled
  const std::string print = fingerprint(file);
  if (auto failed = failed_fingerprints_.find(version); failed != failed_fingerprints_.end()) {
    if (failed->second == print) return;
  }
  set_status(version, VersionState::loading, "");
  try {
    auto loaded = std::make_shared<const Servable>(config_.name, version, saving::load_model(file, load_options_));
    std::shared_ptr<const Servable> previous;
    {
      const std::lock_guard lock(mutex_);
      previous = std::exchange(current_, std::move(loaded));
      statuses_[version] = {version, VersionState::available, ""};
      if (previous) statuses_[previous->version()] = {previous->version(), VersionState::end, ""};
    }
    failed_fingerprints_.erase(version);
    report("model '" + config_.name + "' version " + std::to_string(version) + " is being served" +
           (previous ? " (version " + std::to_string(previous->version()) + " unloaded)" : ""));
  } catch (const std::exception& e) {
    failed_fingerprints_[version] = print;
    set_status(version, VersionState::end, e.what());
    report("model '" + config_.name + "' version " + std::to_string(version) + " failed to load: " + e.what());
  }
}

std::shared_ptr<const Servable> ModelManager::servable(std::optional<std::int64_t> version) const {
  const std::lock_guard lock(mutex_);
  if (!current_ || (version && *version != current_->version())) return nullptr;
  return current_;
}

std::vector<VersionStatus> ModelManager::statuses() const {
  const std::lock_guard lock(mutex_);
  std::vector<VersionStatus> out;
  for (const auto& [version, status] : statuses_) out.push_back(status);
  return out;
}

bool ModelManager::ready() const {
  const std::lock_guard lock(mutex_);
  return current_ != nullptr;
}

void ModelManager::set_status(std::int64_t version, VersionState state, const std::string& error) {
  const std::lock_guard lock(mutex_);
  statuses_[version] = {version, state, error};
}

void ModelManager::report(const std::string& line) const {
  if (log_) log_(line);
}

}  // namespace kplug::serve
