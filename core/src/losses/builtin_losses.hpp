// The two halves of the built-in loss catalog, each next to its losses.
#pragma once

#include "builtins/catalog.hpp"

namespace kplug::detail {
void add_regression_losses(CatalogBuilder& builder);
void add_crossentropy_losses(CatalogBuilder& builder);
}  // namespace kplug::detail
