#include "kplug/isa.hpp"

#include "kplug/errors.hpp"
#include "ops/onednn.hpp"

#include <array>
#include <cstdlib>
#include <utility>

namespace kplug {
namespace {

using Level = std::pair<std::string_view, dnnl::cpu_isa>;
constexpr std::array<Level, 8> kLevels{{{"sse41", dnnl::cpu_isa::sse41},
                                        {"avx", dnnl::cpu_isa::avx},
                                        {"avx2", dnnl::cpu_isa::avx2},
                                        {"avx2_vnni", dnnl::cpu_isa::avx2_vnni},
                                        {"avx512_core", dnnl::cpu_isa::avx512_core},
                                        {"avx512_core_vnni", dnnl::cpu_isa::avx512_core_vnni},
                                        {"avx512_core_bf16", dnnl::cpu_isa::avx512_core_bf16},
                                        {"all", dnnl::cpu_isa::all}}};

std::string known_levels() {
  std::string names;
  for (const auto& [name, isa] : kLevels) names += (names.empty() ? "" : ", ") + std::string(name);
  return names;
}

dnnl::cpu_isa parse_level(std::string_view level, std::string_view where) {
  for (const auto& [name, isa] : kLevels) {
    if (name == level) return isa;
  }
  throw ValueError(std::string(where) + ": unknown instruction set level '" + std::string(level) +
                   "'; expected one of " + known_levels());
}

}  // namespace

namespace ops::detail {

void apply_isa_from_environment() {
  // oneDNN reads its cap once, before its first kernel: done in the first kernel call.
  static const bool applied = [] {
    if (const char* level = std::getenv("KPLUG_ISA"); level != nullptr && *level != '\0') {
      dnnl::set_max_cpu_isa(parse_level(level, "KPLUG_ISA"));
    }
    return true;
  }();
  (void)applied;
}

}  // namespace ops::detail

std::string cpu_isa() {
  ops::detail::apply_isa_from_environment();
  const dnnl::cpu_isa effective = dnnl::get_effective_cpu_isa();
  for (const auto& [name, isa] : kLevels) {
    if (isa == effective) return std::string(name);
  }
  return "baseline (below sse41: reference kernels)";
}

void set_max_cpu_isa(std::string_view level) {
  const dnnl::cpu_isa isa = parse_level(level, "set_max_cpu_isa");
  ops::detail::apply_isa_from_environment();
  try {
    dnnl::set_max_cpu_isa(isa);
  } catch (const dnnl::error&) {
    throw ValueError("set_max_cpu_isa('" + std::string(level) +
                     "'): the instruction set is fixed once the first kernel has run; set it (or KPLUG_ISA) first");
  }
}

}  // namespace kplug
