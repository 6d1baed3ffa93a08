#include "losses/builtin_losses.hpp"

namespace kplug::detail {
void add_crossentropy_losses(CatalogBuilder&) {}
}  // namespace kplug::detail
