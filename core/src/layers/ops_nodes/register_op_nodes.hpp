// The Operation graph nodes' entry in the built-in catalogue (called by add_builtin_layers).
#pragma once

namespace kplug::detail {

class CatalogBuilder;
void add_op_nodes(CatalogBuilder& builder);

}  // namespace kplug::detail
