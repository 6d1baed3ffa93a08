// deserialize -> serialize idempotence with safe mode on: whatever kplug builds from a config,
// it serializes to a config that builds again and serializes to the same text.
#include "fuzz_support.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/serialization.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kplug::DeserializeOptions options;
  options.safe_mode = true;
  std::string first;
  try {
    first = kplug::json::write(kplug::serialize(kplug::deserialize(kplug::json::parse(text), options)));
  } catch (const kplug::Error&) {
    return 0;  // refused cleanly (bad JSON, unknown class, bad config, not supported...)
  }
  std::string second;
  try {
    second = kplug::json::write(kplug::serialize(kplug::deserialize(kplug::json::parse(first), options)));
  } catch (const kplug::Error& e) {
    kplug::fuzz::fail(std::string("kplug cannot read back what it wrote: ") + e.what(), first);
  }
  kplug::fuzz::require(first == second, "serialize(deserialize(.)) is not idempotent", first + "\n---\n" + second);
  return 0;
}
