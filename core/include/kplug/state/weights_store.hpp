// Where saveable objects keep their variables: Keras's H5IOStore, as an interface.
//
// The layout is an HDF5 file's: groups by '/'-separated path, datasets (a tensor: dtype and
// shape) and string attributes. Each saveable object gets the group "<path>/vars" (the
// root object "vars"), holding datasets "0", "1", ... by position and, when the object has
// a name, the attribute `name`. The in-memory store here and the HDF5 store map 1:1.
#pragma once

#include "kplug/tensor.hpp"

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::saving {

// "a/b" + "c" -> "a/b/c"; an empty side is dropped (Keras's file_utils.join of inner paths).
std::string join_path(std::string_view parent, std::string_view child);

class WeightsStore {
 public:
  // One object's "vars" group (Keras's H5Entry).
  class Entry {
   public:
    virtual ~Entry();
    // The group's path in the store: "vars", "layers/dense/vars".
    virtual const std::string& path() const noexcept = 0;
    // False for an entry whose group does not exist (reading a path the file lacks gives
    // an empty entry, as Keras; the object then reports its variable count mismatch).
    virtual bool exists() const noexcept = 0;
    // Dataset names, in the store's order (HDF5's: by name, so "10" before "2").
    virtual std::vector<std::string> keys() const = 0;
    virtual std::size_t size() const = 0;
    virtual bool contains(std::string_view key) const = 0;
    // A dataset; a missing one is a FileError naming the store and the dataset's path.
    virtual Tensor get(std::string_view key) const = 0;
    // Writes a dataset (write mode only; an existing key is an error).
    virtual void set(std::string_view key, const Tensor& value) = 0;
    virtual std::optional<std::string> attribute(std::string_view name) const = 0;
    virtual void set_attribute(std::string_view name, std::string_view value) = 0;

    // Keras's positional datasets: index i is the dataset named "i".
    Tensor get(std::size_t index) const { return get(std::to_string(index)); }
    void set(std::size_t index, const Tensor& value) { set(std::to_string(index), value); }
  };

  virtual ~WeightsStore();

  // Keras's `make(path, metadata)`: creates "<path>/vars" (path "" -> "vars") and, when
  // given, its `name` attribute. A group that exists already is an error.
  virtual std::unique_ptr<Entry> make(std::string_view path, const std::optional<std::string>& name) = 0;
  // Keras's `get(path)`: the group "<path>/vars", or an empty entry (exists() false).
  virtual std::unique_ptr<const Entry> get(std::string_view path) const = 0;

  // The tree, for tools and checks (HDF5's visit): is `path` a group / a dataset, and the
  // names of a group's members (groups and datasets), by name.
  virtual bool has_group(std::string_view path) const = 0;
  virtual bool has_dataset(std::string_view path) const = 0;
  virtual std::vector<std::string> members(std::string_view group_path) const = 0;
  // What errors call the store: the file name, or "in-memory weights store".
  virtual std::string description() const = 0;
};

// A WeightsStore held in memory (tests, and the staging area of archive writers).
class InMemoryWeightsStore final : public WeightsStore {
 public:
  struct Group {
    std::map<std::string, Group, std::less<>> groups;
    std::map<std::string, Tensor, std::less<>> datasets;
    std::map<std::string, std::string, std::less<>> attributes;
  };

  InMemoryWeightsStore();
  ~InMemoryWeightsStore() override;

  std::unique_ptr<Entry> make(std::string_view path, const std::optional<std::string>& name) override;
  std::unique_ptr<const Entry> get(std::string_view path) const override;
  bool has_group(std::string_view path) const override;
  bool has_dataset(std::string_view path) const override;
  std::vector<std::string> members(std::string_view group_path) const override;
  std::string description() const override { return "in-memory weights store"; }

  const Group& root() const noexcept { return *root_; }
  Group& root() noexcept { return *root_; }
  // Every dataset's full path ("layers/dense/vars/0"), depth first, members by name.
  std::vector<std::string> dataset_paths() const;
  // The group at `path` ("" is the root), or null.
  const Group* find_group(std::string_view path) const;
  Group* find_group(std::string_view path);
  // The dataset at `path`; a missing one is a FileError.
  const Tensor& dataset(std::string_view path) const;

 private:
  // Stable address: entries handed out point into it.
  std::unique_ptr<Group> root_;
};

}  // namespace kplug::saving
#pragma GCC visibility pop
