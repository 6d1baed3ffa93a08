#include "util/argument_checks.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"

#include <cmath>
#include <string>

namespace kplug::checks {

double require_finite(double value, std::string_view name) {
  if (!std::isfinite(value)) {
    throw ValueError("Invalid value for argument `" + std::string(name) +
                     "`: expected a finite float. Received: " + std::string(name) + "=" + json::format_double(value));
  }
  return value;
}

}  // namespace kplug::checks
