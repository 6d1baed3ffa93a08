// JSON reader/writer round trip: whatever parse() accepts, write() must write and parse() must
// read back to the same value (doubles bit for bit), and writing again gives the same text.
#include "fuzz_support.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kplug::json::value first;
  try {
    first = kplug::json::parse(text);
  } catch (const kplug::JsonError&) {
    return 0;  // refused cleanly
  }
  const std::string written = kplug::json::write(first);  // must not throw: accepted means writable
  const kplug::json::value second = kplug::json::parse(written);
  kplug::fuzz::require(kplug::fuzz::same(first, second), "parse(write(parse(x))) != parse(x)", written);
  kplug::fuzz::require(kplug::json::write(second) == written, "write is not a fixed point", written);
  return 0;
}
