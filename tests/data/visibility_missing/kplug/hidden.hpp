// A public header that forgot the visibility pragmas: CheckHeaderVisibility must reject it.
#pragma once

namespace kplug {
int hidden_function();
}  // namespace kplug
