// Has a listing but no kplug_plugin_v1 entry symbol.
#include <boost/dll/alias.hpp>
#include <boost/config.hpp>

extern "C" BOOST_SYMBOL_EXPORT const int kplug_test_not_an_entry = 1;
BOOST_DLL_ALIAS_SECTIONED(kplug_test_not_an_entry, kplug_n_6e6f5f656e747279, kplugls)
