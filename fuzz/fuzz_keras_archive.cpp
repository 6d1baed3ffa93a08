// libFuzzer target for the `.keras` archive reader: any bytes as a zip image, every member
// listed, checked and read under small caps the way load_model reads them. A kplug::Error is
// the expected outcome of bad input; anything else (a crash, a sanitizer report, another
// exception) is a finding.
#include <cstddef>
#include <cstdint>
#include <span>

#include "kplug/errors.hpp"
#include "kplug/saving/zip_archive.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kplug::saving;
  ArchiveLimits limits;
  limits.max_members = 1000;
  try {
    const ZipArchiveReader reader =
        ZipArchiveReader::open_image(std::as_bytes(std::span<const std::uint8_t>(data, size)), "fuzz.keras", limits);
    for (const ArchiveMember& member : reader.members()) {
      try {
        std::uint64_t seen = 0;
        reader.read_chunks(member.name, std::uint64_t{1} << 20,
                           [&](std::span<const std::byte> chunk) { seen += chunk.size(); });
        if (seen > (std::uint64_t{1} << 20)) __builtin_trap();  // the cap must hold
      } catch (const kplug::Error&) {
      }
    }
  } catch (const kplug::Error&) {
  }
  return 0;
}
