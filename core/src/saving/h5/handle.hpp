// RAII for HDF5 identifiers and the one place that turns HDF5 failures into H5Error.
#pragma once

#include <hdf5.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kplug::h5::detail {

// Owns one hid_t of any kind (file, group, dataset, dataspace, type, property list,
// attribute) and closes it with H5Idec_ref, which works for every kind.
class Handle {
 public:
  Handle() noexcept = default;
  explicit Handle(hid_t id) noexcept : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  ~Handle() { reset(); }

  hid_t get() const noexcept { return id_; }
  bool valid() const noexcept { return id_ >= 0; }
  // Closes now; the return value matters for files being written (a failed final flush).
  herr_t close() noexcept {
    herr_t status = 0;
    if (id_ >= 0) status = H5Idec_ref(id_);
    id_ = H5I_INVALID_HID;
    return status;
  }
  void reset() noexcept { close(); }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Turns HDF5's automatic error printing off for the current thread while alive
// (restoring what was there), so failures reach the caller only as exceptions.
class QuietErrors {
 public:
  QuietErrors() noexcept;
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;
  ~QuietErrors();

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// The innermost messages of HDF5's current error stack (then cleared), "" when empty.
std::string take_error_stack();

// Throws H5Error(file, object, what + HDF5's reason).
[[noreturn]] void fail(const std::string& file, std::string_view object, std::string_view what);

// Checks an HDF5 result: negative is failure.
inline hid_t check(hid_t id, const std::string& file, std::string_view object, std::string_view what) {
  if (id < 0) fail(file, object, what);
  return id;
}

// Splits "a/b/c" into components; "" gives none. Empty components ("a//b", "/a", "a/")
// throw H5Error naming the path (Keras: "Invalid path in H5 file").
std::vector<std::string> split_path(const std::string& file, std::string_view path);
std::string join_path(std::string_view parent, std::string_view name);

}  // namespace kplug::h5::detail
