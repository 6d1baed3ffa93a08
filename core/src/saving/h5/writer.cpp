#include "kplug/saving/h5_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <set>

#include "kplug/saving/h5_error.hpp"
#include "kplug/saving/h5_reader.hpp"
#include "saving/h5/handle.hpp"
#include "saving/h5/types.hpp"

namespace kplug::h5 {

using detail::check;
using detail::fail;
using detail::Handle;
using detail::QuietErrors;

namespace {

std::filesystem::path temporary_name(const std::filesystem::path& target, unsigned attempt) {
  static std::atomic<unsigned> counter{0};
  std::random_device entropy;
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  const std::string suffix = ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
                             std::to_string((static_cast<unsigned long long>(stamp) ^ entropy()) + attempt);
  return target.parent_path() / ("." + target.filename().string() + suffix);
}

// Data and metadata on disk before the rename makes the file visible under its name.
bool sync_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  return ::close(fd) == 0 && ok;
}

}  // namespace

struct WeightsWriter::Impl {
  std::filesystem::path target;
  std::filesystem::path temporary;
  std::string name;  // the target, for messages
  Handle file;
  bool done = false;
  bool in_memory = false;

  ~Impl() {
    if (done) return;
    QuietErrors quiet;
    close_file();
    if (in_memory) return;
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
  }

  void require_open() const {
    if (done) throw H5Error(name, "", "the weights file was already committed");
  }

  // Open groups by path ("" is the root), kept until the file is closed: each write then opens
  // or creates only what is new instead of walking from the root (most of a save's HDF5 calls).
  std::map<std::string, Handle, std::less<>> groups;
  std::set<std::string, std::less<>> datasets;  // written so far

  // The group at `path`, created with its parents where missing.
  hid_t group(std::string_view path) {
    if (auto it = groups.find(path); it != groups.end()) return it->second.get();
    if (path.empty()) {
      Handle root(check(H5Gopen2(file.get(), "/", H5P_DEFAULT), name, "/", "cannot open the root group"));
      return groups.emplace(std::string(), std::move(root)).first->second.get();
    }
    detail::split_path(name, path);  // refuses empty components
    const std::size_t slash = path.rfind('/');
    const hid_t parent = group(slash == std::string_view::npos ? std::string_view() : path.substr(0, slash));
    const std::string part(slash == std::string_view::npos ? path : path.substr(slash + 1));
    const std::string walked(path);
    // The file is new and only this writer adds to it: a path that is not an open group is
    // either a dataset it wrote or nothing (no H5Lexists and object header read per group).
    if (datasets.contains(walked)) throw H5Error(name, walked, "expected a group, a dataset has this path");
    Handle opened(check(H5Gcreate2(parent, part.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name, walked,
                        "cannot create group"));
    return groups.emplace(walked, std::move(opened)).first->second.get();
  }

  // Closes the file, its cached groups first; the status of the file's close (its final flush).
  herr_t close_file() noexcept {
    groups.clear();
    return file.close();
  }

  // Creates attribute `attr_name` (replacing one of that name) and writes `data` into it.
  void attribute(hid_t object, std::string_view where, std::string_view attr_name, hid_t type, hid_t space,
                 const void* data) {
    const std::string key(attr_name);
    const std::string place = std::string(where) + "@" + key;
    if (H5Aexists(object, key.c_str()) > 0 && H5Adelete(object, key.c_str()) < 0) {
      fail(name, place, "cannot replace the attribute");
    }
    Handle attr(check(H5Acreate2(object, key.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), name, place,
                      "cannot create the attribute"));
    if (H5Awrite(attr.get(), type, data) < 0) fail(name, place, "cannot write the attribute");
  }

  Handle list_space(std::string_view where, std::size_t size) const {
    const hsize_t dims[1] = {size};
    return Handle(check(H5Screate_simple(1, dims, nullptr), name, where, "cannot create a dataspace"));
  }

  void string_attribute(hid_t object, std::string_view where, std::string_view attr_name, std::string_view value,
                        H5T_cset_t charset = H5T_CSET_UTF8) {
    const std::string text(value);
    Handle type = detail::vlen_string_type(name, where, charset);
    Handle space(check(H5Screate(H5S_SCALAR), name, where, "cannot create a dataspace"));
    const char* pointer = text.c_str();
    attribute(object, where, attr_name, type.get(), space.get(), &pointer);
  }

  // The group or dataset at `path` ("" is the root), opened for adding attributes.
  Handle open_object(std::string_view object_path) const {
    const std::string path(object_path);
    Handle object(H5Oopen(file.get(), path.empty() ? "/" : path.c_str(), H5P_DEFAULT));
    if (!object.valid()) fail(name, path, "no such group or dataset");
    return object;
  }
};

WeightsWriter::WeightsWriter(std::filesystem::path target) : impl_(std::make_unique<Impl>()) {
  QuietErrors quiet;
  impl_->target = std::move(target);
  impl_->name = impl_->target.string();
  impl_->done = true;  // nothing to clean up until the temporary exists
  if (impl_->target.filename().empty()) throw H5Error(impl_->name, "", "cannot save: the path names no file");
  const std::filesystem::path folder =
      impl_->target.parent_path().empty() ? std::filesystem::path(".") : impl_->target.parent_path();
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    throw H5Error(impl_->name, "", "cannot save: folder '" + folder.string() + "' does not exist");
  }
  Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), impl_->name, "", "cannot create file access properties"));
  if (H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG) < 0) fail(impl_->name, "", "cannot set file properties");
  for (unsigned attempt = 0; attempt < 16 && !impl_->file.valid(); ++attempt) {
    impl_->temporary = temporary_name(impl_->target, attempt);
    impl_->file = Handle(H5Fcreate(impl_->temporary.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl.get()));
  }
  if (!impl_->file.valid()) fail(impl_->name, "", "cannot create the temporary file " + impl_->temporary.string());
  impl_->done = false;
}

WeightsWriter::WeightsWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WeightsWriter WeightsWriter::in_memory(std::string name) {
  QuietErrors quiet;
  auto impl = std::make_unique<Impl>();
  impl->name = std::move(name);
  impl->in_memory = true;
  Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), impl->name, "", "cannot create file access properties"));
  // 1 MiB growth steps; no backing store, so the file name below is a label HDF5 never opens.
  if (H5Pset_fapl_core(fapl.get(), std::size_t{1} << 20, false) < 0 ||
      H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG) < 0) {
    fail(impl->name, "", "cannot set up the in-memory file");
  }
  // HDF5 refuses two open files of one name: a label unique to this writer.
  static std::atomic<unsigned long long> counter{0};
  const std::string label = "kplug-memory-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  impl->file = Handle(H5Fcreate(label.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl.get()));
  if (!impl->file.valid()) fail(impl->name, "", "cannot create the in-memory file");
  return WeightsWriter(std::move(impl));
}

std::vector<std::byte> WeightsWriter::image() {
  QuietErrors quiet;
  impl_->require_open();
  const std::string& file = impl_->name;
  if (!impl_->in_memory) throw H5Error(file, "", "image() is for in-memory weights files (use commit())");
  if (H5Fflush(impl_->file.get(), H5F_SCOPE_GLOBAL) < 0) fail(file, "", "cannot flush the weights file");
  const ssize_t size = H5Fget_file_image(impl_->file.get(), nullptr, 0);
  if (size < 0) fail(file, "", "cannot size the in-memory file");
  std::vector<std::byte> bytes(static_cast<std::size_t>(size));
  if (H5Fget_file_image(impl_->file.get(), bytes.data(), bytes.size()) != size) {
    fail(file, "", "cannot copy the in-memory file");
  }
  if (impl_->close_file() < 0) fail(file, "", "cannot close the weights file");
  impl_->done = true;
  return bytes;
}

WeightsWriter::WeightsWriter(WeightsWriter&&) noexcept = default;
WeightsWriter& WeightsWriter::operator=(WeightsWriter&&) noexcept = default;
WeightsWriter::~WeightsWriter() = default;

const std::filesystem::path& WeightsWriter::target() const noexcept { return impl_->target; }
const std::filesystem::path& WeightsWriter::temporary() const noexcept { return impl_->temporary; }

void WeightsWriter::make_group(std::string_view path) {
  QuietErrors quiet;
  impl_->require_open();
  impl_->group(path);
}

void WeightsWriter::make_vars(std::string_view object_path, const std::optional<std::string>& name) {
  QuietErrors quiet;
  impl_->require_open();
  const std::string path = vars_path(object_path);
  const hid_t vars = impl_->group(path);
  if (name) impl_->string_attribute(vars, path, "name", *name);
}

void WeightsWriter::write(std::string_view dataset_path, const Array& array) {
  QuietErrors quiet;
  impl_->require_open();
  const std::string& file = impl_->name;
  const std::string path(dataset_path);
  const std::size_t slash = path.rfind('/');
  const std::string parent = slash == std::string::npos ? std::string() : path.substr(0, slash);
  const std::string leaf = slash == std::string::npos ? path : path.substr(slash + 1);
  detail::split_path(file, path);  // refuses empty components
  if (leaf.empty()) throw H5Error(file, path, "Invalid path in H5 file: empty dataset name");
  const std::uint64_t count = array.element_count();
  if (array.data.size() != count * dtype_size(array.dtype)) {
    throw H5Error(file, path,
                  "array data holds " + std::to_string(array.data.size()) + " bytes, its shape and dtype need " +
                      std::to_string(count * dtype_size(array.dtype)));
  }
  const hid_t group = impl_->group(parent);
  if (impl_->datasets.contains(path) || impl_->groups.contains(path)) {
    throw H5Error(file, path, "the dataset already exists");
  }
  Handle space;
  if (array.shape.empty()) {
    space = Handle(check(H5Screate(H5S_SCALAR), file, path, "cannot create a dataspace"));
  } else {
    std::vector<hsize_t> dims(array.shape.begin(), array.shape.end());
    space = Handle(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), file, path,
                         "cannot create a dataspace"));
  }
  Handle type = detail::file_type(array.dtype, file, path);
  // h5py creates datasets without access/modification times (track_times=False).
  Handle properties(check(H5Pcreate(H5P_DATASET_CREATE), file, path, "cannot create dataset properties"));
  if (H5Pset_obj_track_times(properties.get(), false) < 0) fail(file, path, "cannot set dataset properties");
  Handle dataset(
      check(H5Dcreate2(group, leaf.c_str(), type.get(), space.get(), H5P_DEFAULT, properties.get(), H5P_DEFAULT), file,
            path, "cannot create the dataset"));
  impl_->datasets.insert(path);
  if (count != 0 && H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, array.data.data()) < 0) {
    fail(file, path, "cannot write the dataset");
  }
  if (array.dtype == DType::bfloat16) impl_->string_attribute(dataset.get(), path, "dtype", "bfloat16");
}

void WeightsWriter::write_var(std::string_view object_path, std::size_t index, const Array& array) {
  write(detail::join_path(vars_path(object_path), std::to_string(index)), array);
}

void WeightsWriter::set_string_attribute(std::string_view object_path, std::string_view name, std::string_view value,
                                         Charset charset) {
  QuietErrors quiet;
  impl_->require_open();
  Handle object = impl_->open_object(object_path);
  impl_->string_attribute(object.get(), object_path, name, value,
                          charset == Charset::ascii ? H5T_CSET_ASCII : H5T_CSET_UTF8);
}

void WeightsWriter::set_string_list_attribute(std::string_view object_path, std::string_view name,
                                              const std::vector<std::string>& values) {
  QuietErrors quiet;
  impl_->require_open();
  Handle object = impl_->open_object(object_path);
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const std::string& value : values) pointers.push_back(value.c_str());
  Handle type = detail::vlen_string_type(impl_->name, object_path, H5T_CSET_ASCII);
  Handle space = impl_->list_space(object_path, values.size());
  impl_->attribute(object.get(), object_path, name, type.get(), space.get(), pointers.data());
}

void WeightsWriter::set_fixed_string_list_attribute(std::string_view object_path, std::string_view name,
                                                    const std::vector<std::string>& values) {
  QuietErrors quiet;
  impl_->require_open();
  const std::string& file = impl_->name;
  Handle object = impl_->open_object(object_path);
  std::size_t width = 1;  // NumPy's narrowest bytes dtype is S1
  for (const std::string& value : values) width = std::max(width, value.size());
  std::vector<char> packed(width * values.size(), '\0');
  for (std::size_t i = 0; i < values.size(); ++i) std::copy(values[i].begin(), values[i].end(), &packed[i * width]);
  Handle type(check(H5Tcopy(H5T_C_S1), file, object_path, "cannot copy an HDF5 type"));
  if (H5Tset_size(type.get(), width) < 0 || H5Tset_cset(type.get(), H5T_CSET_ASCII) < 0 ||
      H5Tset_strpad(type.get(), H5T_STR_NULLPAD) < 0) {
    fail(file, object_path, "cannot make the string type");
  }
  Handle space = impl_->list_space(object_path, values.size());
  impl_->attribute(object.get(), object_path, name, type.get(), space.get(), packed.data());
}

void WeightsWriter::set_empty_list_attribute(std::string_view object_path, std::string_view name) {
  QuietErrors quiet;
  impl_->require_open();
  Handle object = impl_->open_object(object_path);
  Handle space = impl_->list_space(object_path, 0);
  // No elements: HDF5 reads nothing from the buffer, but wants one.
  const double none = 0.0;
  impl_->attribute(object.get(), object_path, name, H5T_IEEE_F64LE, space.get(), &none);
}

void WeightsWriter::commit() {
  QuietErrors quiet;
  impl_->require_open();
  const std::string& file = impl_->name;
  if (impl_->in_memory) throw H5Error(file, "", "an in-memory weights file has no target: use image()");
  if (H5Fflush(impl_->file.get(), H5F_SCOPE_GLOBAL) < 0) fail(file, "", "cannot flush the weights file");
  if (impl_->close_file() < 0) fail(file, "", "cannot close the weights file");
  if (!sync_file(impl_->temporary)) throw H5Error(file, "", "cannot sync " + impl_->temporary.string() + " to disk");
  std::error_code ec;
  std::filesystem::rename(impl_->temporary, impl_->target, ec);
  if (ec) throw H5Error(file, "", "cannot move " + impl_->temporary.string() + " into place: " + ec.message());
  impl_->done = true;
}

}  // namespace kplug::h5
