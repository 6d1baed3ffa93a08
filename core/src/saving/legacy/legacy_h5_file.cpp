#include "legacy_h5_file.hpp"

#include "kplug/saving/h5_error.hpp"

#include <algorithm>

namespace kplug::saving::legacy {

LegacyH5File LegacyH5File::read(const std::filesystem::path& path, int fd, const H5ReadOptions& read,
                                const ArchiveLimits& limits) {
  H5ReadOptions options = read;
  // model_config is capped like a `.keras` config.json; the other attributes (layer and weight
  // names) get as much again.
  options.limits.max_attribute_bytes = std::min(
      options.limits.max_attribute_bytes,
      limits.max_config_bytes > (std::uint64_t{1} << 62) ? limits.max_config_bytes : 2 * limits.max_config_bytes);
  const std::string name = path.string();
  return LegacyH5File(name, read_h5_file(path, fd, name, options));
}

const h5::StringAttribute* LegacyH5File::find(std::string_view group, std::string_view name) const {
  const auto attributes = contents_.attributes.find(group);
  if (attributes == contents_.attributes.end()) return nullptr;
  for (const h5::StringAttribute& attribute : attributes->second) {
    if (attribute.name == name) return &attribute;
  }
  return nullptr;
}

bool LegacyH5File::has_attribute(std::string_view group, std::string_view name) const {
  return find(group, name) != nullptr;
}

std::optional<std::string> LegacyH5File::text(std::string_view group, std::string_view name) const {
  const h5::StringAttribute* attribute = find(group, name);
  if (attribute == nullptr) return std::nullopt;
  const std::string where = (group.empty() ? std::string("/") : std::string(group)) + "@" + std::string(name);
  if (attribute->values.size() != 1) {
    throw h5::H5Error(name_, where,
                      "expected one string, found " + std::to_string(attribute->values.size()) + " (or not a string)");
  }
  return attribute->values.front();
}

std::vector<std::string> LegacyH5File::list(std::string_view group, std::string_view name) const {
  if (const h5::StringAttribute* attribute = find(group, name)) return attribute->values;
  std::vector<std::string> values;
  for (std::size_t chunk = 0;; ++chunk) {
    const h5::StringAttribute* part = find(group, std::string(name) + std::to_string(chunk));
    if (part == nullptr) break;
    values.insert(values.end(), part->values.begin(), part->values.end());
  }
  return values;
}

const Tensor& LegacyH5File::dataset(std::string_view group, std::string_view name) const {
  const std::string path = join_path(group, name);
  if (!store().has_dataset(path)) {
    throw h5::H5NotFoundError(name_, path,
                              "the dataset '" + std::string(name) + "' named by the group's weight_names is missing");
  }
  return store().dataset(path);
}

}  // namespace kplug::saving::legacy
