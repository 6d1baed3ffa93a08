// A plugin as the ABI-2 SDK built it: entry abi_version 2, listing "kplug_a_2", no build id.
#include "raw_entry.hpp"
KPLUG_TEST_RAW_ENTRY(2, BOOST_VERSION)
