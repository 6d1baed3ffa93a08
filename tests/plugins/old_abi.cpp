// A plugin as the previous SDK (ABI N-1, KPLUG_TEST_PREVIOUS_ABI from CMake) built it:
// entry abi_version N-1, listing "kplug_a_<N-1>".
#include "raw_entry.hpp"
KPLUG_TEST_RAW_ENTRY(KPLUG_TEST_PREVIOUS_ABI, BOOST_VERSION)
