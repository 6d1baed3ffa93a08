#include "builtins/catalog.hpp"
#include "kplug/losses.hpp"

namespace kplug::detail {
void add_builtin_losses(CatalogBuilder&) {}
}  // namespace kplug::detail
