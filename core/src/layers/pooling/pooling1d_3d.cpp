// MaxPooling1D/3D, AveragePooling1D/3D: BasePooling over 1 or 3 spatial axes.
#include "kplug/layers/pooling.hpp"

#include <utility>

namespace kplug::layers {

MaxPooling1D::MaxPooling1D(Options options, LayerArgs args)
    : BasePooling<1>(Mode::max, std::move(options), std::move(args)) {}

std::shared_ptr<MaxPooling1D> MaxPooling1D::from_config(const boost::json::object& config,
                                                        DeserializationContext& context) {
  auto [options, args] = read_config(config, context, "MaxPooling1D");
  return std::make_shared<MaxPooling1D>(std::move(options), std::move(args));
}

AveragePooling1D::AveragePooling1D(Options options, LayerArgs args)
    : BasePooling<1>(Mode::average, std::move(options), std::move(args)) {}

std::shared_ptr<AveragePooling1D> AveragePooling1D::from_config(const boost::json::object& config,
                                                                DeserializationContext& context) {
  auto [options, args] = read_config(config, context, "AveragePooling1D");
  return std::make_shared<AveragePooling1D>(std::move(options), std::move(args));
}

MaxPooling3D::MaxPooling3D(Options options, LayerArgs args)
    : BasePooling<3>(Mode::max, std::move(options), std::move(args)) {}

std::shared_ptr<MaxPooling3D> MaxPooling3D::from_config(const boost::json::object& config,
                                                        DeserializationContext& context) {
  auto [options, args] = read_config(config, context, "MaxPooling3D");
  return std::make_shared<MaxPooling3D>(std::move(options), std::move(args));
}

AveragePooling3D::AveragePooling3D(Options options, LayerArgs args)
    : BasePooling<3>(Mode::average, std::move(options), std::move(args)) {}

std::shared_ptr<AveragePooling3D> AveragePooling3D::from_config(const boost::json::object& config,
                                                                DeserializationContext& context) {
  auto [options, args] = read_config(config, context, "AveragePooling3D");
  return std::make_shared<AveragePooling3D>(std::move(options), std::move(args));
}

}  // namespace kplug::layers
