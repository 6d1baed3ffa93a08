// ABI version 999: refused before any of its code runs.
#include "raw_entry.hpp"
KPLUG_TEST_RAW_ENTRY(999, BOOST_VERSION)
