#include "kplug/saving/h5_reader.hpp"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdio>
#include <limits>
#include <set>
#include <utility>

#include "kplug/saving/h5_error.hpp"
#include "saving/h5/handle.hpp"
#include "saving/h5/types.hpp"

namespace kplug::h5 {

using detail::check;
using detail::fail;
using detail::Handle;
using detail::QuietErrors;

std::string vars_path(std::string_view object_path) { return detail::join_path(object_path, "vars"); }

namespace {

enum class Kind { group, dataset, any };

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 6) {
    v /= 1024.0;
    ++u;
  }
  char text[48];
  std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return text;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i != 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  if (shape.size() == 1) out += ",";
  return out + ")";
}

std::string link_type_name(H5L_type_t type) {
  switch (type) {
    case H5L_TYPE_SOFT: return "SoftLink";
    case H5L_TYPE_EXTERNAL: return "ExternalLink";
    default: return "user-defined link";
  }
}

// A group member as H5Literate reports it: the link's kind comes with it, no H5Lget_info needed.
struct Member {
  std::string name;
  H5L_type_t type;
  haddr_t address;  // of the object, for hard links
};
struct MemberList {
  std::vector<Member> members;
  std::size_t limit;
};
herr_t collect_member(hid_t /*group*/, const char* name, const H5L_info_t* info, void* out) {
  auto* list = static_cast<MemberList*>(out);
  if (list->members.size() >= list->limit) return 1;  // stop: over the limit
  list->members.push_back({name, info->type, info->type == H5L_TYPE_HARD ? info->u.address : HADDR_UNDEF});
  return 0;
}

// What the string attributes of one file may take in all (ReadLimits::max_attribute_bytes).
struct AttributeBudget {
  std::uint64_t left;
  H5UnsafeError exceeded(const std::string& file, const std::string& where) const {
    return H5UnsafeError(file, where, "the string attributes exceed the ReadLimits::max_attribute_bytes cap");
  }
  void charge(std::uint64_t bytes, const std::string& file, const std::string& where) {
    if (bytes > left) throw exceeded(file, where);
    left -= bytes;
  }
};

bool is_filter_allowed(H5Z_filter_t id) {
  // Built into libhdf5; anything else would make HDF5 look for a filter plugin to load.
  return id == H5Z_FILTER_DEFLATE || id == H5Z_FILTER_SHUFFLE || id == H5Z_FILTER_FLETCHER32;
}

}  // namespace

struct WeightsReader::Impl {
  std::string name;
  ReadLimits limits;
  Handle file;
  std::uint64_t file_size = 0;
  hsize_t user_block = 0;

  // Walks `path` one hard link at a time. Returns an invalid handle when a component is
  // missing (and `missing_ok`), else throws. `kind` is what the last component must be.
  Handle resolve(std::string_view path, Kind kind, bool missing_ok) const {
    const std::vector<std::string> parts = detail::split_path(name, path);
    if (parts.empty() && kind == Kind::dataset) throw H5Error(name, "/", "Invalid H5 file, expected a dataset path");
    Handle current(check(H5Gopen2(file.get(), "/", H5P_DEFAULT), name, "/", "cannot open the root group"));
    std::string walked;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const std::string& part = parts[i];
      walked = detail::join_path(walked, part);
      const bool last = i + 1 == parts.size();
      const htri_t exists = H5Lexists(current.get(), part.c_str(), H5P_DEFAULT);
      if (exists < 0) fail(name, walked, "cannot look up the link");
      if (exists == 0) {
        if (missing_ok) return Handle();
        throw H5NotFoundError(name, std::string(path), "not found: no '" + walked + "' in the file");
      }
      H5L_info_t link{};
      if (H5Lget_info(current.get(), part.c_str(), &link, H5P_DEFAULT) < 0) fail(name, walked, "cannot read the link");
      if (link.type != H5L_TYPE_HARD) {
        throw H5UnsafeError(name, walked, "Not allowed: H5 file with " + link_type_name(link.type));
      }
      H5O_info_t info{};
      if (H5Oget_info_by_name2(current.get(), part.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
        fail(name, walked, "cannot read the object header");
      }
      const bool want_group = !last || kind == Kind::group;
      if (want_group && info.type != H5O_TYPE_GROUP) {
        throw H5Error(name, walked, "Invalid H5 file, expected a group but found " + type_name(info.type));
      }
      if (last && kind == Kind::dataset && info.type != H5O_TYPE_DATASET) {
        throw H5Error(name, walked, "Invalid H5 file, expected a dataset but found " + type_name(info.type));
      }
      if (info.type == H5O_TYPE_GROUP) {
        current = Handle(check(H5Gopen2(current.get(), part.c_str(), H5P_DEFAULT), name, walked, "cannot open group"));
      } else if (info.type == H5O_TYPE_DATASET) {
        current =
            Handle(check(H5Dopen2(current.get(), part.c_str(), H5P_DEFAULT), name, walked, "cannot open dataset"));
      } else {
        throw H5Error(name, walked, "Invalid H5 file, expected a group or dataset but found " + type_name(info.type));
      }
    }
    return current;
  }

  static std::string type_name(H5O_type_t type) {
    switch (type) {
      case H5O_TYPE_GROUP: return "a group";
      case H5O_TYPE_DATASET: return "a dataset";
      case H5O_TYPE_NAMED_DATATYPE: return "a named datatype";
      default: return "an unknown object";
    }
  }

  // A group's members in HDF5's name order, with their link kinds; H5UnsafeError above max_group_members.
  std::vector<Member> members_of(hid_t group, std::string_view path) const {
    MemberList list{{}, limits.max_group_members};
    hsize_t index = 0;
    const herr_t status = H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, collect_member, &list);
    if (status < 0) fail(name, path, "cannot list the group's members");
    if (status > 0) {
      throw H5UnsafeError(name, std::string(path),
                          "group has more than " + std::to_string(limits.max_group_members) + " members");
    }
    return std::move(list.members);
  }

  std::vector<std::string> member_names(hid_t group, std::string_view path) const {
    std::vector<std::string> names;
    for (Member& member : members_of(group, path)) names.push_back(std::move(member.name));
    return names;
  }

  // A dataset's info and what contiguous_offset needs besides (no second look at the dataset).
  struct Inspected {
    DatasetInfo info;
    H5D_layout_t layout = H5D_LAYOUT_ERROR;
    int filters = 0;
    Handle type;  // as stored
  };

  DatasetInfo inspect(hid_t dataset, std::string_view path) const { return inspect_open(dataset, path).info; }

  // Every check that needs no data: layout, external storage, filters, dtype, shape, sizes.
  Inspected inspect_open(hid_t dataset, std::string_view path) const {
    Inspected inspected;
    inspected.info.path = std::string(path);
    if (!plain_contiguous(dataset, inspected)) check_storage(dataset, inspected);
    Handle type(check(H5Dget_type(dataset), name, path, "cannot read the dataset's type"));
    inspected.info.dtype = detail::classify(type.get(), dataset, name, path);
    const std::size_t stored_element_size = H5Tget_size(type.get());
    inspected.type = std::move(type);
    read_shape(dataset, inspected.info);
    check_sizes(dataset, inspected, stored_element_size);
    return inspected;
  }

  // The common case without a copy of the dataset's creation properties (check_storage's cost:
  // a seventh of a walk): stored contiguously at a known address (H5Dget_offset answers only for
  // the contiguous layout), its header holding neither an external file list nor a filter
  // pipeline message (message types 0x0007 and 0x000B of the HDF5 file format).
  bool plain_contiguous(hid_t dataset, Inspected& inspected) const {
    constexpr std::uint64_t kExternalFiles = std::uint64_t{1} << 0x0007;
    constexpr std::uint64_t kFilterPipeline = std::uint64_t{1} << 0x000B;
    if (H5Dget_offset(dataset) == HADDR_UNDEF) return false;
    H5O_info_t header{};
    if (H5Oget_info2(dataset, &header, H5O_INFO_HDR) < 0) return false;
    if ((header.hdr.mesg.present & (kExternalFiles | kFilterPipeline)) != 0) return false;
    inspected.layout = H5D_CONTIGUOUS;
    inspected.filters = 0;
    return true;
  }

  // The layout and filters; virtual and external datasets and filter plugins are refused.
  void check_storage(hid_t dataset, Inspected& inspected) const {
    const std::string& path = inspected.info.path;
    Handle dcpl(check(H5Dget_create_plist(dataset), name, path, "cannot read the dataset's creation properties"));
    const H5D_layout_t layout = H5Pget_layout(dcpl.get());
    if (layout < 0) fail(name, path, "cannot read the dataset's layout");
    if (layout == H5D_VIRTUAL) throw H5UnsafeError(name, path, "Not allowed: H5 file with virtual Dataset");
    const int externals = H5Pget_external_count(dcpl.get());
    if (externals < 0) fail(name, path, "cannot read the dataset's external storage list");
    if (externals > 0) {
      char external[256] = {};
      off_t offset = 0;
      hsize_t size = 0;
      H5Pget_external(dcpl.get(), 0, sizeof external - 1, external, &offset, &size);
      throw H5UnsafeError(name, path, std::string("Not allowed: H5 file with external Dataset: ") + external);
    }
    const int filters = H5Pget_nfilters(dcpl.get());
    if (filters < 0) fail(name, path, "cannot read the dataset's filters");
    for (int i = 0; i < filters; ++i) {
      unsigned flags = 0;
      std::size_t n_values = 0;
      char filter_name[64] = {};
      const H5Z_filter_t id = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &n_values, nullptr,
                                             sizeof filter_name - 1, filter_name, nullptr);
      if (id < 0) fail(name, path, "cannot read a filter of the dataset");
      if (!is_filter_allowed(id)) {
        throw H5UnsafeError(name, path,
                            "Not allowed: H5 dataset with filter " + std::to_string(id) + " ('" + filter_name +
                                "'); filter plugins are never loaded, only deflate, shuffle and fletcher32 are read");
      }
    }
    inspected.layout = layout;
    inspected.filters = filters;
  }

  // The shape and element count, refused when the count overflows 64 bits.
  void read_shape(hid_t dataset, DatasetInfo& out) const {
    const std::string& path = out.path;
    Handle space(check(H5Dget_space(dataset), name, path, "cannot read the dataset's shape"));
    const H5S_class_t space_class = H5Sget_simple_extent_type(space.get());
    if (space_class == H5S_SCALAR) {
      out.element_count = 1;
      return;
    }
    if (space_class != H5S_SIMPLE) throw H5Error(name, path, "dataset has no data (an empty dataspace)");
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0 || rank > H5S_MAX_RANK) fail(name, path, "cannot read the dataset's rank");
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0) {
      fail(name, path, "cannot read the dataset's dimensions");
    }
    out.element_count = 1;
    for (hsize_t d : dims) {
      if (d > static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max()) ||
          __builtin_mul_overflow(out.element_count, static_cast<std::uint64_t>(d), &out.element_count)) {
        throw H5UnsafeError(name, path, "Not allowed: H5 dataset whose element count overflows 64 bits");
      }
      out.shape.push_back(static_cast<std::int64_t>(d));
    }
  }

  // The limits on elements and bytes, and the stored size against the file and the declared size.
  void check_sizes(hid_t dataset, Inspected& inspected, std::size_t stored_element_size) const {
    DatasetInfo& out = inspected.info;
    if (out.element_count > limits.max_elements) {
      throw H5UnsafeError(name, out.path,
                          "Not allowed: H5 dataset of shape " + shape_text(out.shape) + " has " +
                              std::to_string(out.element_count) + " elements, above the limit of " +
                              std::to_string(limits.max_elements));
    }
    std::uint64_t declared = 0;
    std::uint64_t in_memory = 0;
    if (__builtin_mul_overflow(out.element_count, std::uint64_t{stored_element_size}, &declared) ||
        __builtin_mul_overflow(out.element_count, std::uint64_t{dtype_size(out.dtype)}, &in_memory) ||
        in_memory > std::numeric_limits<std::size_t>::max() / 2) {
      throw H5UnsafeError(name, out.path, "Not allowed: H5 dataset whose byte size overflows");
    }
    out.stored_bytes = H5Dget_storage_size(dataset);
    // A stored size beyond the file is a corrupt index, not data: it must not size a buffer.
    if (inspected.layout != H5D_COMPACT && out.stored_bytes > file_size) {
      throw H5UnsafeError(name, out.path,
                          "Not allowed: H5 dataset claims " + human_bytes(out.stored_bytes) +
                              " of storage in a file of " + human_bytes(file_size));
    }
    const bool bomb =
        declared > limits.bomb_floor_bytes &&
        (inspected.filters == 0 ? declared > out.stored_bytes
                                : declared / std::max<std::uint64_t>(limits.max_expansion, 1) > out.stored_bytes);
    if (bomb) {
      throw H5UnsafeError(name, out.path,
                          "Not allowed: H5 dataset of shape " + shape_text(out.shape) + " declares " +
                              human_bytes(declared) + " but only " + human_bytes(out.stored_bytes) +
                              " are stored on disk; refusing to load a potential decompression/shape bomb");
    }
  }

  // Where the dataset's bytes lie when reading them is a plain file read (see contiguous_offset).
  std::optional<std::uint64_t> offset_of(hid_t dataset, const Inspected& inspected) const {
    const DatasetInfo& info = inspected.info;
    if (inspected.layout != H5D_CONTIGUOUS || inspected.filters != 0 || user_block != 0) return std::nullopt;
    Handle memory = detail::memory_type(info.dtype, inspected.type.get(), name, info.path);
    if (H5Tequal(inspected.type.get(), memory.get()) <= 0) return std::nullopt;
    const std::uint64_t bytes = info.element_count * dtype_size(info.dtype);  // inspect bounded it
    if (bytes == 0 || info.stored_bytes != bytes) return std::nullopt;        // unallocated: HDF5 gives fill values
    const haddr_t offset = H5Dget_offset(dataset);
    if (offset == HADDR_UNDEF) return std::nullopt;
    if (offset > file_size || bytes > file_size - offset) {
      throw H5UnsafeError(name, info.path,
                          "Not allowed: H5 dataset whose data lies past the end of the file (" + std::to_string(bytes) +
                              " bytes at offset " + std::to_string(offset) + " in a file of " +
                              std::to_string(file_size) + ")");
    }
    return static_cast<std::uint64_t>(offset);
  }

  Array read(hid_t dataset, const DatasetInfo& info) const {
    Array out;
    out.dtype = info.dtype;
    out.shape = info.shape;
    out.data.resize(static_cast<std::size_t>(info.element_count) * dtype_size(info.dtype));
    read_into(dataset, info, out.data);
    return out;
  }

  void read_into(hid_t dataset, const DatasetInfo& info, std::span<std::byte> destination) const {
    const std::size_t needed = static_cast<std::size_t>(info.element_count) * dtype_size(info.dtype);
    if (destination.size() != needed) {
      throw H5Error(name, info.path,
                    "destination holds " + std::to_string(destination.size()) + " bytes, the " +
                        std::string(dtype_name(info.dtype)) + " dataset of shape " + shape_text(info.shape) +
                        " needs " + std::to_string(needed));
    }
    if (needed == 0) return;
    Handle stored(check(H5Dget_type(dataset), name, info.path, "cannot read the dataset's type"));
    Handle memory = detail::memory_type(info.dtype, stored.get(), name, info.path);
    if (H5Dread(dataset, memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, destination.data()) < 0) {
      fail(name, info.path, "cannot read the dataset's data");
    }
  }

  // `label`: what HDF5 is given as the file name, when it is not `name` (an in-memory image).
  static std::unique_ptr<Impl> open(std::string name, ReadLimits limits, hid_t fapl,
                                    const std::string* label = nullptr) {
    auto impl = std::make_unique<Impl>();
    impl->name = std::move(name);
    impl->limits = limits;
    // Strong close: the file is really closed when its handle is, even if objects leak.
    if (H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) fail(impl->name, "", "cannot set file access properties");
    impl->file = Handle(H5Fopen(label ? label->c_str() : impl->name.c_str(), H5F_ACC_RDONLY, fapl));
    if (!impl->file.valid()) fail(impl->name, "", "cannot open as an HDF5 weights file");
    hsize_t size = 0;
    if (H5Fget_filesize(impl->file.get(), &size) < 0) fail(impl->name, "", "cannot read the file size");
    impl->file_size = size;
    // A user block shifts every address HDF5 reports: then no dataset is read as plain bytes.
    Handle fcpl(H5Fget_create_plist(impl->file.get()));
    hsize_t user_block = 0;
    impl->user_block = fcpl.valid() && H5Pget_userblock(fcpl.get(), &user_block) >= 0 ? user_block : ~hsize_t{0};
    return impl;
  }

  // Depth-first over the file, each object opened once. Datasets go to `infos`, or with
  // `tree` set everything tree() returns goes there instead.
  void walk(hid_t group, const std::string& path, int depth, std::set<haddr_t>& seen, std::vector<DatasetInfo>* infos,
            FileTree* tree, AttributeBudget* attributes = nullptr) const {
    if (depth > limits.max_depth) {
      throw H5UnsafeError(name, path, "groups nested deeper than " + std::to_string(limits.max_depth));
    }
    for (const Member& member : members_of(group, path.empty() ? "/" : path)) {
      const std::string member_path = detail::join_path(path, member.name);
      if (member.type != H5L_TYPE_HARD) {
        throw H5UnsafeError(name, member_path, "Not allowed: H5 file with " + link_type_name(member.type));
      }
      if (!seen.insert(member.address).second) {
        throw H5UnsafeError(name, member_path, "Not allowed: H5 object reachable by two paths (a hard-link cycle?)");
      }
      // By the address the listing gave: no second lookup of the name in the group's index.
      Handle object(check(H5Oopen_by_addr(file.get(), member.address), name, member_path, "cannot open the object"));
      const H5I_type_t type = H5Iget_type(object.get());
      if (type == H5I_GROUP) {
        if (tree) {
          tree->groups.push_back(
              {member_path,
               member.name == "vars" ? string_attribute_of(object.get(), member_path, "name") : std::nullopt,
               attributes ? string_attributes_of(object.get(), member_path, *attributes)
                          : std::vector<StringAttribute>{}});
        }
        walk(object.get(), member_path, depth + 1, seen, infos, tree, attributes);
      } else if (type == H5I_DATASET) {
        if (tree) {
          Inspected inspected = inspect_open(object.get(), member_path);
          std::optional<std::uint64_t> offset = offset_of(object.get(), inspected);
          tree->datasets.push_back({std::move(inspected.info), offset});
        } else {
          infos->push_back(inspect(object.get(), member_path));
        }
      }
    }
  }

  // Every string attribute of an open object, by name, each charged to `budget`. Other types are
  // passed over, except an empty numeric array (Keras's empty list). Variable-length strings are
  // sized by libhdf5 from the file before we see them: the isolated reader bounds that.
  std::vector<StringAttribute> string_attributes_of(hid_t object, const std::string& path,
                                                    AttributeBudget& budget) const {
    H5O_info_t info{};
    if (H5Oget_info2(object, &info, H5O_INFO_NUM_ATTRS) < 0) fail(name, path, "cannot read the object's attributes");
    if (info.num_attrs > limits.max_attributes_per_object) {
      throw H5UnsafeError(name, path,
                          "more than " + std::to_string(limits.max_attributes_per_object) +
                              " attributes (ReadLimits::max_attributes_per_object)");
    }
    std::vector<StringAttribute> out;
    for (hsize_t i = 0; i < info.num_attrs; ++i) {
      Handle attribute(check(H5Aopen_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, i, H5P_DEFAULT, H5P_DEFAULT), name,
                             path, "cannot open an attribute"));
      std::optional<StringAttribute> value = read_string_attribute(attribute.get(), path, budget);
      if (value) out.push_back(std::move(*value));
    }
    return out;
  }

  std::optional<StringAttribute> read_string_attribute(hid_t attribute, const std::string& path,
                                                       AttributeBudget& budget) const {
    StringAttribute out;
    const ssize_t name_size = H5Aget_name(attribute, 0, nullptr);
    if (name_size < 0) fail(name, path, "cannot read an attribute's name");
    if (static_cast<std::uint64_t>(name_size) > budget.left) throw budget.exceeded(name, path);
    out.name.resize(static_cast<std::size_t>(name_size) + 1);
    H5Aget_name(attribute, out.name.size(), out.name.data());
    out.name.resize(static_cast<std::size_t>(name_size));
    const std::string where = path + "@" + out.name;
    Handle type(check(H5Aget_type(attribute), name, where, "cannot read the attribute's type"));
    Handle space(check(H5Aget_space(attribute), name, where, "cannot read the attribute's shape"));
    const hssize_t points = H5Sget_simple_extent_npoints(space.get());
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (points < 0 || rank < 0) fail(name, where, "cannot read the attribute's shape");
    out.is_array = rank > 0;
    if (H5Tget_class(type.get()) != H5T_STRING) {
      if (points == 0 && out.is_array) return out;  // Keras's empty list
      return std::nullopt;
    }
    const auto count = static_cast<std::size_t>(points);
    if (count > budget.left / sizeof(char*)) throw budget.exceeded(name, where);
    const htri_t variable = H5Tis_variable_str(type.get());
    if (variable < 0) fail(name, where, "cannot read the attribute's type");
    if (variable > 0) {
      Handle memory(check(H5Tcopy(type.get()), name, where, "cannot copy the attribute's type"));
      std::vector<char*> texts(count, nullptr);
      if (count > 0 && H5Aread(attribute, memory.get(), texts.data()) < 0)
        fail(name, where, "cannot read the attribute");
      // Every string is freed whatever happens to the budget.
      struct Reclaim {
        std::vector<char*>& texts;
        ~Reclaim() {
          for (char* t : texts) H5free_memory(t);
        }
      } reclaim{texts};
      for (const char* text : texts) {
        const std::string_view value = text != nullptr ? std::string_view(text) : std::string_view();
        budget.charge(value.size() + sizeof(char*), name, where);
        out.values.emplace_back(value);
      }
      return out;
    }
    const std::size_t size = H5Tget_size(type.get());
    if (size == 0) throw H5Error(name, where, "a fixed-length string attribute of size 0");
    if (count > 0 && size > budget.left / count) throw budget.exceeded(name, where);
    budget.charge(size * count, name, where);
    std::string bytes(size * count, '\0');
    if (count > 0 && H5Aread(attribute, type.get(), bytes.data()) < 0) fail(name, where, "cannot read the attribute");
    for (std::size_t i = 0; i < count; ++i) {
      const std::string_view cell(bytes.data() + i * size, size);
      out.values.emplace_back(cell.substr(0, std::min(cell.find('\0'), cell.size())));
    }
    return out;
  }

  // A single string attribute (fixed or variable length) of an open object, nullopt if absent.
  std::optional<std::string> string_attribute_of(hid_t object, std::string_view object_path,
                                                 std::string_view attr) const {
    const std::string attr_name(attr);
    const std::string where = std::string(object_path) + "@" + attr_name;
    const htri_t exists = H5Aexists(object, attr_name.c_str());
    if (exists < 0) fail(name, where, "cannot look up the attribute");
    if (exists == 0) return std::nullopt;
    Handle attribute(check(H5Aopen(object, attr_name.c_str(), H5P_DEFAULT), name, where, "cannot open the attribute"));
    Handle type(check(H5Aget_type(attribute.get()), name, where, "cannot read the attribute's type"));
    Handle space(check(H5Aget_space(attribute.get()), name, where, "cannot read the attribute's shape"));
    if (H5Tget_class(type.get()) != H5T_STRING || H5Sget_simple_extent_npoints(space.get()) != 1) {
      throw H5Error(name, where, "expected a single string attribute");
    }
    const htri_t variable = H5Tis_variable_str(type.get());
    if (variable < 0) fail(name, where, "cannot read the attribute's type");
    if (variable > 0) {
      // The stored type as memory type: a variable-length string is a char* in memory whatever
      // its character set, and no conversion is asked of HDF5.
      Handle memory(check(H5Tcopy(type.get()), name, where, "cannot copy the attribute's type"));
      char* text = nullptr;
      if (H5Aread(attribute.get(), memory.get(), &text) < 0) fail(name, where, "cannot read the attribute");
      std::string value = text != nullptr ? std::string(text) : std::string();
      H5free_memory(text);
      return value;
    }
    const std::size_t size = H5Tget_size(type.get());
    constexpr std::size_t max_size = 1 << 20;
    if (size == 0 || size > max_size) throw H5UnsafeError(name, where, "string attribute longer than 1 MiB");
    std::string value(size, '\0');
    if (H5Aread(attribute.get(), type.get(), value.data()) < 0) fail(name, where, "cannot read the attribute");
    value.resize(std::min(value.find('\0'), value.size()));
    return value;
  }
};

WeightsReader::WeightsReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WeightsReader::WeightsReader(WeightsReader&&) noexcept = default;
WeightsReader& WeightsReader::operator=(WeightsReader&&) noexcept = default;
WeightsReader::~WeightsReader() {
  QuietErrors quiet;
  impl_.reset();
}

WeightsReader WeightsReader::open(const std::filesystem::path& file, ReadLimits limits) {
  QuietErrors quiet;
  const std::string name = file.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw H5Error(name, "", ec ? "cannot open: " + ec.message() : "cannot open: not a regular file");
  }
  const htri_t is_hdf5 = H5Fis_hdf5(name.c_str());
  if (is_hdf5 == 0) throw H5Error(name, "", "not an HDF5 file (no HDF5 signature)");
  if (is_hdf5 < 0) fail(name, "", "cannot open as an HDF5 weights file");
  Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), name, "", "cannot create file access properties"));
  if (H5Pset_fapl_sec2(fapl.get()) < 0) fail(name, "", "cannot set the file driver");
  return WeightsReader(Impl::open(name, limits, fapl.get()));
}

WeightsReader WeightsReader::open_image(std::span<const std::byte> image, std::string name, ReadLimits limits) {
  QuietErrors quiet;
  if (image.empty()) throw H5Error(name, "", "not an HDF5 file (empty)");
  Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), name, "", "cannot create file access properties"));
  // In-memory driver, no backing store: the name is only a label, no file is opened.
  if (H5Pset_fapl_core(fapl.get(), 1 << 16, false) < 0 ||
      H5Pset_file_image(fapl.get(), const_cast<std::byte*>(image.data()), image.size()) < 0) {
    fail(name, "", "cannot set up the in-memory file");
  }
  // The core driver tries to open the name and refuses an image under the name of a file that
  // exists (a weights file of a model folder read from memory): a label no file can have, as
  // long as PATH_MAX, which the kernel refuses before looking anything up (a name under
  // /proc/self costed a procfs lookup per read). Unique: libhdf5 matches open files by name.
  static std::atomic<unsigned long long> counter{0};
  std::string label = "/kplug-image-" + std::to_string(counter++) + "/";
  label.resize(PATH_MAX, 'x');
  return WeightsReader(Impl::open(std::move(name), limits, fapl.get(), &label));
}

const std::string& WeightsReader::file_name() const noexcept { return impl_->name; }
const ReadLimits& WeightsReader::limits() const noexcept { return impl_->limits; }

bool WeightsReader::has_group(std::string_view path) const {
  QuietErrors quiet;
  return impl_->resolve(path, Kind::group, true).valid();
}

bool WeightsReader::has_dataset(std::string_view path) const {
  QuietErrors quiet;
  return impl_->resolve(path, Kind::dataset, true).valid();
}

std::vector<std::string> WeightsReader::members(std::string_view group_path) const {
  QuietErrors quiet;
  Handle group = impl_->resolve(group_path, Kind::group, false);
  return impl_->member_names(group.get(), group_path);
}

std::optional<std::string> WeightsReader::string_attribute(std::string_view object_path, std::string_view name) const {
  QuietErrors quiet;
  Handle object = impl_->resolve(object_path, Kind::any, false);
  return impl_->string_attribute_of(object.get(), object_path, name);
}

DatasetInfo WeightsReader::dataset_info(std::string_view dataset_path) const {
  QuietErrors quiet;
  Handle dataset = impl_->resolve(dataset_path, Kind::dataset, false);
  return impl_->inspect(dataset.get(), dataset_path);
}

Array WeightsReader::read(std::string_view dataset_path) const {
  QuietErrors quiet;
  Handle dataset = impl_->resolve(dataset_path, Kind::dataset, false);
  const DatasetInfo info = impl_->inspect(dataset.get(), dataset_path);
  return impl_->read(dataset.get(), info);
}

DatasetInfo WeightsReader::read_into(std::string_view dataset_path, std::span<std::byte> destination) const {
  QuietErrors quiet;
  Handle dataset = impl_->resolve(dataset_path, Kind::dataset, false);
  DatasetInfo info = impl_->inspect(dataset.get(), dataset_path);
  impl_->read_into(dataset.get(), info, destination);
  return info;
}

std::optional<std::uint64_t> WeightsReader::contiguous_offset(std::string_view dataset_path) const {
  QuietErrors quiet;
  Handle dataset = impl_->resolve(dataset_path, Kind::dataset, false);
  return impl_->offset_of(dataset.get(), impl_->inspect_open(dataset.get(), dataset_path));
}

bool WeightsReader::has_vars(std::string_view object_path) const { return has_group(vars_path(object_path)); }

std::size_t WeightsReader::vars_count(std::string_view object_path) const {
  if (!has_vars(object_path)) return 0;
  return members(vars_path(object_path)).size();
}

Array WeightsReader::read_var(std::string_view object_path, std::size_t index) const {
  return read(detail::join_path(vars_path(object_path), std::to_string(index)));
}

std::vector<DatasetInfo> WeightsReader::walk() const {
  QuietErrors quiet;
  Handle root(check(H5Gopen2(impl_->file.get(), "/", H5P_DEFAULT), impl_->name, "/", "cannot open the root group"));
  std::set<haddr_t> seen;
  std::vector<DatasetInfo> out;
  impl_->walk(root.get(), "", 0, seen, &out, nullptr);
  return out;
}

FileTree WeightsReader::tree(bool with_attributes) const {
  QuietErrors quiet;
  Handle root(check(H5Gopen2(impl_->file.get(), "/", H5P_DEFAULT), impl_->name, "/", "cannot open the root group"));
  std::set<haddr_t> seen;
  FileTree tree;
  AttributeBudget budget{impl_->limits.max_attribute_bytes};
  tree.groups.push_back(
      {"", std::nullopt,
       with_attributes ? impl_->string_attributes_of(root.get(), "", budget) : std::vector<StringAttribute>{}});
  impl_->walk(root.get(), "", 0, seen, nullptr, &tree, with_attributes ? &budget : nullptr);
  std::sort(tree.datasets.begin(), tree.datasets.end(),
            [](const auto& a, const auto& b) { return a.info.path < b.info.path; });
  return tree;
}

}  // namespace kplug::h5
