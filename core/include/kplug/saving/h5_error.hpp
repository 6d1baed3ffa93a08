// Errors of the HDF5 weights layer. Each names the file and the object (group or
// dataset path, FileError's entry) it is about.
#pragma once

#include <string>

#include "kplug/errors.hpp"

namespace kplug::h5 {

// A weights file that cannot be read or written: not HDF5, truncated, a missing or
// malformed object, an unsupported dtype, an HDF5 library failure.
// `what()` is FileError's "'<file>' at '<object>': <message>".
class H5Error : public FileError {
 public:
  H5Error(std::string file, std::string object, std::string message);
  ~H5Error() override;
  const std::string& object() const noexcept { return entry(); }
};

// A file refused by a safety check before anything was allocated or opened on its
// behalf: links, external storage, virtual datasets, shape bombs, limits.
class H5UnsafeError : public H5Error {
 public:
  using H5Error::H5Error;
  ~H5UnsafeError() override;
};

// A path that names nothing in the file (callers that probe use has_group/has_dataset).
class H5NotFoundError : public H5Error {
 public:
  using H5Error::H5Error;
  ~H5NotFoundError() override;
};

}  // namespace kplug::h5
