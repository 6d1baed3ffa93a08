#include "kplug/saving/h5_weights_store.hpp"

#include "kplug/errors.hpp"
#include "kplug/saving/h5_error.hpp"
#include "kplug/saving/h5_writer.hpp"
#include "kplug/saving/legacy_h5.hpp"
#include "tensor_convert.hpp"

#include <set>

namespace kplug::saving {

struct H5WeightsStore::Impl {
  std::unique_ptr<InMemoryWeightsStore> read;
  std::optional<h5::WeightsWriter> writer;
  std::set<std::string, std::less<>> groups;    // written vars groups
  std::set<std::string, std::less<>> datasets;  // written dataset paths
};

namespace {

// A vars group being written through WeightsWriter.
class WriteEntry final : public WeightsStore::Entry {
 public:
  WriteEntry(const H5WeightsStore& store, h5::WeightsWriter& writer, std::set<std::string, std::less<>>& datasets,
             std::string path)
      : store_(store), writer_(writer), datasets_(datasets), path_(std::move(path)) {}

  const std::string& path() const noexcept override { return path_; }
  bool exists() const noexcept override { return true; }
  std::vector<std::string> keys() const override { return keys_; }
  std::size_t size() const override { return keys_.size(); }
  bool contains(std::string_view key) const override {
    for (const auto& k : keys_) {
      if (k == key) return true;
    }
    return false;
  }
  Tensor get(std::string_view key) const override {
    throw FileError(store_.description(), "the store is open for writing only", join_path(path_, key));
  }
  void set(std::string_view key, const Tensor& value) override {
    const std::string full = join_path(path_, key);
    if (!datasets_.insert(full).second) {
      throw FileError(store_.description(), "a member of that name exists already", full);
    }
    writer_.write(full, detail::to_array(value));
    keys_.emplace_back(key);
  }
  std::optional<std::string> attribute(std::string_view name) const override {
    if (auto it = attributes_.find(name); it != attributes_.end()) return it->second;
    return std::nullopt;
  }
  void set_attribute(std::string_view name, std::string_view value) override {
    writer_.set_string_attribute(path_, name, value);
    attributes_.insert_or_assign(std::string(name), std::string(value));
  }

 private:
  const H5WeightsStore& store_;
  h5::WeightsWriter& writer_;
  std::set<std::string, std::less<>>& datasets_;
  std::string path_;
  std::vector<std::string> keys_;
  std::map<std::string, std::string, std::less<>> attributes_;
};

}  // namespace

H5WeightsStore::H5WeightsStore(std::string file_name, std::unique_ptr<Impl> impl)
    : file_name_(std::move(file_name)), impl_(std::move(impl)) {}
H5WeightsStore::~H5WeightsStore() = default;

std::unique_ptr<H5WeightsStore> H5WeightsStore::open_read(const std::filesystem::path& file, H5ReadOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->read = read_weights_file(file, options);
  return std::unique_ptr<H5WeightsStore>(new H5WeightsStore(file.string(), std::move(impl)));
}

std::unique_ptr<H5WeightsStore> H5WeightsStore::open_write(const std::filesystem::path& file) {
  auto impl = std::make_unique<Impl>();
  impl->writer.emplace(file);
  return std::unique_ptr<H5WeightsStore>(new H5WeightsStore(file.string(), std::move(impl)));
}

std::unique_ptr<H5WeightsStore> H5WeightsStore::open_memory_write(const std::string& name) {
  auto impl = std::make_unique<Impl>();
  impl->writer.emplace(h5::WeightsWriter::in_memory(name));
  return std::unique_ptr<H5WeightsStore>(new H5WeightsStore(name, std::move(impl)));
}

std::vector<std::byte> H5WeightsStore::image() {
  if (!impl_->writer) throw FileError(file_name_, "the store is open for reading only");
  return impl_->writer->image();
}

bool H5WeightsStore::writable() const noexcept { return impl_->writer.has_value(); }

const InMemoryWeightsStore& H5WeightsStore::contents() const {
  if (!impl_->read) throw FileError(file_name_, "the store is open for writing only");
  return *impl_->read;
}

void H5WeightsStore::commit() {
  if (!impl_->writer) throw FileError(file_name_, "the store is open for reading only");
  impl_->writer->commit();
}

std::unique_ptr<WeightsStore::Entry> H5WeightsStore::make(std::string_view path,
                                                          const std::optional<std::string>& name) {
  if (!impl_->writer) throw FileError(file_name_, "the store is open for reading only", join_path(path, "vars"));
  std::string full = join_path(path, "vars");
  if (!impl_->groups.insert(full).second) throw FileError(file_name_, "the group exists already", full);
  impl_->writer->make_vars(path, name);
  auto entry = std::make_unique<WriteEntry>(*this, *impl_->writer, impl_->datasets, std::move(full));
  return entry;
}

std::unique_ptr<const WeightsStore::Entry> H5WeightsStore::get(std::string_view path) const {
  return contents().get(path);
}
bool H5WeightsStore::has_group(std::string_view path) const { return contents().has_group(path); }
bool H5WeightsStore::has_dataset(std::string_view path) const { return contents().has_dataset(path); }
std::vector<std::string> H5WeightsStore::members(std::string_view group_path) const {
  return contents().members(group_path);
}

namespace {

void check_weights_name(const std::filesystem::path& file) {
  if (!file.string().ends_with(".weights.h5")) {
    throw ValueError("The filename must end in `.weights.h5`. Received: filepath=" + file.string());
  }
}

}  // namespace

void save_weights(const Saveable& root, const std::filesystem::path& file) {
  check_weights_name(file);
  auto store = H5WeightsStore::open_write(file);
  save_state(root, *store);
  store->commit();
}

void load_weights(Saveable& root, const std::filesystem::path& file, H5ReadOptions options) {
  const std::string name = file.string();
  if (!name.ends_with(".weights.h5") && (name.ends_with(".h5") || name.ends_with(".hdf5"))) {
    // Keras's Model.load_weights: any other `.h5` is a legacy weights file (legacy_h5.hpp).
    auto* model = dynamic_cast<Model*>(&root);
    if (!model) {
      throw ValueError(
          "A legacy `.h5` weights file loads into a model only (layers are matched by the file's "
          "layer_names). Received: filepath=" +
          name);
    }
    LegacyWeightsOptions legacy;
    legacy.read = options;
    load_legacy_weights(*model, file, legacy);
    return;
  }
  check_weights_name(file);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw FileError(file.string(), "no such weights file");
  }
  const auto store = H5WeightsStore::open_read(file, options);
  load_state(root, *store);
}

}  // namespace kplug::saving
