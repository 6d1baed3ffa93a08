#include "kplug/initializers.hpp"

namespace kplug {

Initializer::~Initializer() = default;

}  // namespace kplug
