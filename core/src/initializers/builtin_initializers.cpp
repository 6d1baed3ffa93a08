#include "builtins/catalog.hpp"
#include "kplug/initializers.hpp"

namespace kplug::detail {
void add_builtin_initializers(CatalogBuilder&) {}
}  // namespace kplug::detail
