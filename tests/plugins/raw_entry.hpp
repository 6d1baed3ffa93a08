// A hand-made plugin entry whose fields a test can get wrong on purpose.
#pragma once

#include <kplug/sdk.hpp>

#include <boost/dll/alias.hpp>

KPLUG_PLUGIN_REGISTER(registrar) {
  registrar.add_activation("raw", "identity", [](const kplug::Tensor& x) { return x; });
}

namespace {
const char* const raw_packages[] = {"raw", nullptr};
}

// The listing carries `abi` and a build id with `boost_version`, as kplug_add_plugin would.
#define KPLUG_TEST_RAW_ENTRY(abi, boost_version)                                                                \
  extern "C" BOOST_SYMBOL_EXPORT const ::kplug::plugin::PluginEntry kplug_plugin_v1 = {                         \
      abi,                                                                                                      \
      sizeof(::kplug::plugin::PluginEntry),                                                                     \
      "raw",                                                                                                    \
      "0.0.1",                                                                                                  \
      {KPLUG_VERSION_STRING, KPLUG_COMPILER_NAME, KPLUG_COMPILER_VERSION, KPLUG_CXX11_ABI, boost_version},      \
      raw_packages,                                                                                             \
      &KPLUG_PLUGIN_REGISTER_SYMBOL,                                                                            \
      nullptr};                                                                                                 \
  BOOST_DLL_ALIAS_SECTIONED(kplug_plugin_v1, kplug_n_726177, kplugls)                                           \
  BOOST_DLL_ALIAS_SECTIONED(kplug_plugin_v1, kplug_p_726177, kplugls)                                           \
  BOOST_DLL_ALIAS_SECTIONED(kplug_plugin_v1, KPLUG_ABI_CAT(kplug_a_, abi), kplugls)                             \
  BOOST_DLL_ALIAS_SECTIONED(                                                                                    \
      kplug_plugin_v1,                                                                                          \
      KPLUG_BUILD_TAG_EXPAND_(KPLUG_VERSION_MAJOR, KPLUG_VERSION_MINOR, KPLUG_VERSION_PATCH, KPLUG_COMPILER_ID, \
                              KPLUG_COMPILER_MAJOR, KPLUG_COMPILER_MINOR, KPLUG_CXX11_ABI_TAG, boost_version),  \
      kplugls)
