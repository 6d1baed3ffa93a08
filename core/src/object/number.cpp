#include "kplug/number.hpp"

#include <cmath>

namespace kplug {

boost::json::value Number::to_json() const {
  if (integral) {
    if (is_unsigned) return unsigned_value();
    if (static_cast<double>(exact) == value) return exact;
    // Built as `Number{double, true}` without the exact field: the double is all there is,
    // an integer only while it is one exactly.
    constexpr double kMaxExactInt = 9007199254740992.0;  // 2^53
    if (std::isfinite(value) && std::fabs(value) <= kMaxExactInt) return static_cast<std::int64_t>(value);
  }
  return value;
}

}  // namespace kplug
