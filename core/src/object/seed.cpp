#include "kplug/seed.hpp"

#include "kplug/json.hpp"

#include <ostream>

namespace kplug {

boost::json::value Seed::to_json() const {
  if (negative_ || bits_ <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(bits_);
  return bits_;
}

std::string Seed::to_string() const {
  return negative_ ? std::to_string(static_cast<std::int64_t>(bits_)) : std::to_string(bits_);
}

std::ostream& operator<<(std::ostream& out, const Seed& seed) { return out << seed.to_string(); }

namespace config {

Seed Codec<Seed>::read(ConfigReader& r, std::string_view key, const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return v.get_uint64();
  r.fail(key, "expected an integer seed, got " + std::string(json::type_name(v)));
}

}  // namespace config
}  // namespace kplug
