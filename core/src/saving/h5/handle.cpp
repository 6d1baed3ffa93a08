#include "saving/h5/handle.hpp"

#include <vector>

#include "kplug/saving/h5_error.hpp"

namespace kplug::h5::detail {

QuietErrors::QuietErrors() noexcept {
  H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

QuietErrors::~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

namespace {
herr_t collect(unsigned /*n*/, const H5E_error2_t* entry, void* out) {
  auto* messages = static_cast<std::vector<std::string>*>(out);
  if (entry->desc != nullptr && entry->desc[0] != '\0') messages->emplace_back(entry->desc);
  return 0;
}
}  // namespace

std::string take_error_stack() {
  std::vector<std::string> messages;
  // Upward: the most specific cause first, the API call last.
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect, &messages);
  H5Eclear2(H5E_DEFAULT);
  std::string text;
  // The two most specific causes say why; the rest is HDF5's call chain.
  for (std::size_t i = 0; i < messages.size() && i < 2; ++i) {
    if (!text.empty()) text += "; ";
    text += messages[i];
  }
  return text;
}

void fail(const std::string& file, std::string_view object, std::string_view what) {
  std::string reason = take_error_stack();
  std::string message(what);
  if (!reason.empty()) message += " (HDF5: " + reason + ")";
  throw H5Error(file, std::string(object), std::move(message));
}

std::vector<std::string> split_path(const std::string& file, std::string_view path) {
  std::vector<std::string> parts;
  if (path.empty()) return parts;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    std::string_view part =
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part == "." || part == "..") {
      throw H5Error(file, std::string(path), "Invalid path in H5 file: empty, '.' or '..' component");
    }
    parts.emplace_back(part);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string join_path(std::string_view parent, std::string_view name) {
  if (parent.empty()) return std::string(name);
  std::string out(parent);
  out += '/';
  out += name;
  return out;
}

}  // namespace kplug::h5::detail
