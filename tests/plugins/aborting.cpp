// Loading it would end the process; listing it must still work (no code runs).
#include <kplug/sdk.hpp>

#include <cstdlib>

KPLUG_PLUGIN_REGISTER(registrar) {
  (void)registrar;
  std::abort();
}
