// A correct listing and entry, but a reference the loader cannot resolve: the load error
// must be the loader's own words, with no stale errno text after them.
#include "raw_entry.hpp"

extern "C" int kplug_test_no_such_function();
extern "C" BOOST_SYMBOL_EXPORT int kplug_test_calls_missing() { return kplug_test_no_such_function(); }

KPLUG_TEST_RAW_ENTRY(KPLUG_ABI_VERSION, BOOST_VERSION)
