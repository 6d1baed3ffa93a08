// Built with -D_GLIBCXX_USE_CXX11_ABI=0 (see CMakeLists.txt): its references to kplug
// functions taking or returning std::string are undefined in the host, so the loader
// would fail before any handshake. The build id in its listing refuses it first.
#include "raw_entry.hpp"
KPLUG_TEST_RAW_ENTRY(KPLUG_ABI_VERSION, BOOST_VERSION)
