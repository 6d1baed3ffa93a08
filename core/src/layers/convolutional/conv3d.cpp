// Keras's Conv3D: BaseConv over (depth, rows, cols).
#include "kplug/layers/convolutional.hpp"

#include <utility>

namespace kplug::layers {

Conv3D::Conv3D(Options options, LayerArgs args) : BaseConv<3>(std::move(options), std::move(args)) {}

std::shared_ptr<Conv3D> Conv3D::from_config(const boost::json::object& config, DeserializationContext& context) {
  auto [options, args] = read_config(config, context, "Conv3D");
  return std::make_shared<Conv3D>(std::move(options), std::move(args));
}

}  // namespace kplug::layers
