#include "kplug/state/weights_store.hpp"

#include "kplug/errors.hpp"

#include <algorithm>

namespace kplug::saving {

std::string join_path(std::string_view parent, std::string_view child) {
  if (parent.empty()) return std::string(child);
  if (child.empty()) return std::string(parent);
  std::string out(parent);
  out += '/';
  out += child;
  return out;
}

WeightsStore::Entry::~Entry() = default;
WeightsStore::~WeightsStore() = default;

namespace {

using Group = InMemoryWeightsStore::Group;

// Path components; empty ones ("a//b", a leading '/') are dropped as HDF5 does.
std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

const Group* find_in(const Group& root, std::string_view path) {
  const Group* group = &root;
  for (std::string_view part : components(path)) {
    auto it = group->groups.find(part);
    if (it == group->groups.end()) return nullptr;
    group = &it->second;
  }
  return group;
}

std::string vars_path(std::string_view path) { return join_path(path, "vars"); }

class MemoryEntry final : public WeightsStore::Entry {
 public:
  MemoryEntry(const InMemoryWeightsStore& store, std::string path, const Group* read, Group* write)
      : store_(store), path_(std::move(path)), read_(read), write_(write) {}

  const std::string& path() const noexcept override { return path_; }
  bool exists() const noexcept override { return read_ != nullptr; }
  std::vector<std::string> keys() const override {
    std::vector<std::string> out;
    if (read_) {
      for (const auto& [key, value] : read_->datasets) out.push_back(key);
    }
    return out;
  }
  std::size_t size() const override { return read_ ? read_->datasets.size() : 0; }
  bool contains(std::string_view key) const override { return read_ && read_->datasets.contains(key); }
  Tensor get(std::string_view key) const override {
    if (read_) {
      if (auto it = read_->datasets.find(key); it != read_->datasets.end()) return it->second;
    }
    throw FileError(store_.description(), "no such dataset (the group has " + std::to_string(size()) + ")",
                    join_path(path_, key));
  }
  void set(std::string_view key, const Tensor& value) override {
    if (!write_) throw FileError(store_.description(), "the group is open for reading only", join_path(path_, key));
    if (write_->groups.contains(key) || !write_->datasets.emplace(std::string(key), value).second) {
      throw FileError(store_.description(), "a member of that name exists already", join_path(path_, key));
    }
  }
  std::optional<std::string> attribute(std::string_view name) const override {
    if (!read_) return std::nullopt;
    auto it = read_->attributes.find(name);
    if (it == read_->attributes.end()) return std::nullopt;
    return it->second;
  }
  void set_attribute(std::string_view name, std::string_view value) override {
    if (!write_) throw FileError(store_.description(), "the group is open for reading only", path_);
    write_->attributes.insert_or_assign(std::string(name), std::string(value));
  }

 private:
  const InMemoryWeightsStore& store_;
  std::string path_;
  const Group* read_;
  Group* write_;
};

void collect(const Group& group, const std::string& prefix, std::vector<std::string>& out) {
  // Members by name, groups and datasets interleaved, as HDF5 lists them.
  auto g = group.groups.begin();
  auto d = group.datasets.begin();
  while (g != group.groups.end() || d != group.datasets.end()) {
    if (d == group.datasets.end() || (g != group.groups.end() && g->first < d->first)) {
      collect(g->second, join_path(prefix, g->first), out);
      ++g;
    } else {
      out.push_back(join_path(prefix, d->first));
      ++d;
    }
  }
}

}  // namespace

InMemoryWeightsStore::InMemoryWeightsStore() : root_(std::make_unique<Group>()) {}
InMemoryWeightsStore::~InMemoryWeightsStore() = default;

std::unique_ptr<WeightsStore::Entry> InMemoryWeightsStore::make(std::string_view path,
                                                                const std::optional<std::string>& name) {
  const std::string full = vars_path(path);
  Group* group = root_.get();
  for (std::string_view part : components(path)) {
    if (group->datasets.contains(part)) {
      throw FileError(description(), "cannot create a group where a dataset is", full);
    }
    group = &group->groups[std::string(part)];
  }
  if (group->datasets.contains("vars") || !group->groups.try_emplace("vars").second) {
    throw FileError(description(), "the group exists already (an object saved twice at one path?)", full);
  }
  Group* vars = &group->groups.find("vars")->second;
  auto entry = std::make_unique<MemoryEntry>(*this, full, vars, vars);
  if (name) entry->set_attribute("name", *name);
  return entry;
}

std::unique_ptr<const WeightsStore::Entry> InMemoryWeightsStore::get(std::string_view path) const {
  const std::string full = vars_path(path);
  return std::make_unique<MemoryEntry>(*this, full, find_in(*root_, full), nullptr);
}

bool InMemoryWeightsStore::has_group(std::string_view path) const { return find_in(*root_, path) != nullptr; }

bool InMemoryWeightsStore::has_dataset(std::string_view path) const {
  const std::size_t slash = path.rfind('/');
  const Group* parent = find_in(*root_, slash == std::string_view::npos ? std::string_view() : path.substr(0, slash));
  return parent && parent->datasets.contains(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::vector<std::string> InMemoryWeightsStore::members(std::string_view group_path) const {
  const Group* group = find_in(*root_, group_path);
  if (!group) throw FileError(description(), "no such group", std::string(group_path));
  std::vector<std::string> names;
  for (const auto& [key, value] : group->groups) names.push_back(key);
  for (const auto& [key, value] : group->datasets) names.push_back(key);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> InMemoryWeightsStore::dataset_paths() const {
  std::vector<std::string> out;
  collect(*root_, "", out);
  return out;
}

const InMemoryWeightsStore::Group* InMemoryWeightsStore::find_group(std::string_view path) const {
  return find_in(*root_, path);
}

InMemoryWeightsStore::Group* InMemoryWeightsStore::find_group(std::string_view path) {
  return const_cast<Group*>(find_in(*root_, path));
}

const Tensor& InMemoryWeightsStore::dataset(std::string_view path) const {
  const std::size_t slash = path.rfind('/');
  const Group* parent = find_in(*root_, slash == std::string_view::npos ? std::string_view() : path.substr(0, slash));
  if (parent) {
    auto it = parent->datasets.find(slash == std::string_view::npos ? path : path.substr(slash + 1));
    if (it != parent->datasets.end()) return it->second;
  }
  throw FileError(description(), "no such dataset", std::string(path));
}

}  // namespace kplug::saving
