#include "commands.hpp"

#include "kplug/isa.hpp"

namespace kplug::cli {

std::string kernels_text() {
  try {
    return "oneDNN " + kplug::cpu_isa();
  } catch (const kplug::Error& e) {
    return std::string("oneDNN, error: ") + e.what();
  }
}

}  // namespace kplug::cli
