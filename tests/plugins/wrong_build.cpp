// Right ABI, but "built with" another Boost: refused by the build-id check.
#include "raw_entry.hpp"
KPLUG_TEST_RAW_ENTRY(KPLUG_ABI_VERSION, 107400)
