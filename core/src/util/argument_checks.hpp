// Argument checks shared by the object kinds (private to libkplug).
#pragma once

#include <string_view>

namespace kplug::checks {

// ValueError unless `value` is finite: "Invalid value for argument `alpha`: expected a
// finite float. Received: alpha=nan". Returns `value`.
double require_finite(double value, std::string_view name);

}  // namespace kplug::checks
