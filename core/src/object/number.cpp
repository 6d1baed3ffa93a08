#include "kplug/number.hpp"

#include <cmath>
#include <limits>

namespace kplug {

boost::json::value Number::to_json() const {
  constexpr double kMaxExactInt = 9007199254740992.0;  // 2^53
  if (integral && std::isfinite(value) && std::fabs(value) <= kMaxExactInt) {
    return static_cast<std::int64_t>(value);
  }
  return value;
}

}  // namespace kplug
