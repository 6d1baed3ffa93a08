#pragma once

#include "cli_options.hpp"

#include <iosfwd>

namespace kplug::cli {

int run_roundtrip(const CommonOptions& options, std::ostream& out, std::ostream& err);
int run_plugins(const CommonOptions& options, std::ostream& out, std::ostream& err);

}  // namespace kplug::cli
