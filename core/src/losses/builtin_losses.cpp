#include "losses/builtin_losses.hpp"

namespace kplug::detail {
void add_builtin_losses(CatalogBuilder& builder) {
  add_regression_losses(builder);
  add_crossentropy_losses(builder);
}
}  // namespace kplug::detail
