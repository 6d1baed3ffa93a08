#include "losses/builtin_losses.hpp"

namespace kplug::detail {
void add_regression_losses(CatalogBuilder&) {}
}  // namespace kplug::detail
