// Has a listing (with this SDK's ABI and build id) but no kplug_plugin_v1 entry symbol.
#include <kplug/plugin_abi.hpp>

#include <boost/config.hpp>
#include <boost/dll/alias.hpp>

extern "C" BOOST_SYMBOL_EXPORT const int kplug_test_not_an_entry = 1;
BOOST_DLL_ALIAS_SECTIONED(kplug_test_not_an_entry, kplug_n_6e6f5f656e747279, kplugls)
BOOST_DLL_ALIAS_SECTIONED(kplug_test_not_an_entry, KPLUG_LISTING_ABI_TAG, kplugls)
BOOST_DLL_ALIAS_SECTIONED(kplug_test_not_an_entry, KPLUG_LISTING_BUILD_TAG, kplugls)
