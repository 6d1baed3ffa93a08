#pragma once

#include "cli_options.hpp"

#include "kplug/errors.hpp"

#include <iosfwd>
#include <string>
#include <string_view>

namespace kplug::cli {

int run_roundtrip(const CommonOptions& options, std::ostream& out, std::ostream& err);
int run_plugins(const CommonOptions& options, std::ostream& out, std::ostream& err);
int run_summary(const CommonOptions& options, std::ostream& out, std::ostream& err);
int run_predict(const CommonOptions& options, std::ostream& out, std::ostream& err);
int run_inspect(const CommonOptions& options, std::ostream& out, std::ostream& err);
int run_convert(const CommonOptions& options, std::ostream& out, std::ostream& err);
int run_serve(const CommonOptions& options, std::ostream& out, std::ostream& err);

// The kernels predict runs on, e.g. "oneDNN avx512_core_bf16" (KPLUG_ISA caps the level):
// `kplug --version` and `kplug inspect` print it.
std::string kernels_text();

// The whole text of `path` ("-" = stdin); kplug::FileError naming the file when unreadable.
std::string read_input(const std::string& path);

// Runs `body`; a kplug::Error escaping it becomes a FileFailure, so that the message
// starts with the file (the library's message carries the JSON path or dataset).
template <class F>
decltype(auto) in_file(const std::string& file, F&& body) {
  try {
    return body();
  } catch (const Error& e) {
    const std::string shown = file == "-" ? "<stdin>" : file;
    std::string_view what = e.what();
    // Library messages may already start with the file (FileError quotes it): not twice.
    for (const std::string& prefix : {shown + ": ", "'" + shown + "': "}) {
      if (what.starts_with(prefix)) {
        what.remove_prefix(prefix.size());
        break;
      }
    }
    throw FileFailure{shown, std::string(what)};
  }
}

}  // namespace kplug::cli
