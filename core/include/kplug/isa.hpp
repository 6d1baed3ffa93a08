// The instruction set kplug's kernels run with. oneDNN picks the best one the CPU has at
// run time (one portable binary); KPLUG_ISA caps it, e.g. to check the baseline path on a
// machine that has AVX-512: KPLUG_ISA=sse41 (also avx2, avx512_core, ..., all).
#pragma once

#include <string>
#include <string_view>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// The level the kernels use, e.g. "avx512_core_vnni" (oneDNN's names).
std::string cpu_isa();
// Caps the level ("sse41", "avx2", "avx512_core", "all", ...) before the first kernel runs;
// later calls, and unknown names, throw ValueError (with the known names).
void set_max_cpu_isa(std::string_view level);

}  // namespace kplug
#pragma GCC visibility pop
