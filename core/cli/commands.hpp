#pragma once

#include "cli_options.hpp"

#include <iosfwd>

namespace kplug::cli {

int run_roundtrip(const CommonOptions& options, std::ostream& out);

}  // namespace kplug::cli
