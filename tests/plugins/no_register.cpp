// Forgets KPLUG_PLUGIN_REGISTER: must fail to link, naming what is missing.
#include <kplug/sdk.hpp>

namespace no_register {
float unused(const kplug::Tensor& x) { return x.sum(); }
}  // namespace no_register
