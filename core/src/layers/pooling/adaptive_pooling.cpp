// Keras's BaseAdaptivePooling: AdaptiveMax/AdaptiveAveragePooling1D/2D/3D
// (keras/src/layers/pooling/base_adaptive_pooling.py), through ops::adaptive_pool.
#include "kplug/errors.hpp"
#include "kplug/layers/pooling.hpp"
#include "kplug/ops/pooling.hpp"
#include "layers/spatial_options.hpp"

#include <string>
#include <vector>

namespace kplug::layers {

template <std::size_t Rank, PoolingMode Mode>
const config::Fields<AdaptivePoolingOptions<Rank>>& BaseAdaptivePooling<Rank, Mode>::fields() {
  using O = AdaptivePoolingOptions<Rank>;
  static const config::Fields<O> f{
      config::field("output_size", &O::output_size).required().check(detail::tuple_check<Rank>("output_size")),
      detail::data_format_field(&O::data_format)};
  return f;
}

template <std::size_t Rank, PoolingMode Mode>
BaseAdaptivePooling<Rank, Mode>::BaseAdaptivePooling(Options options, LayerArgs args)
    : FieldsLayer<BaseAdaptivePooling<Rank, Mode>, AdaptivePoolingOptions<Rank>>(std::move(options), std::move(args)) {
  for (std::size_t i = 0; i < Rank; ++i) {
    if (this->options_.output_size[i] < 1) {
      throw ValueError("`output_size` must be positive. Received: output_size=" +
                       detail::tuple_repr(this->options_.output_size));
    }
  }
  detail::standardize_data_format(this->options_.data_format);
  // Not built at construction (unlike BasePooling): Keras builds it on the first call, so its
  // saved config carries a build_config.
}

template <std::size_t Rank, PoolingMode Mode>
std::vector<PartialShape> BaseAdaptivePooling<Rank, Mode>::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  PartialShape out = this->single_shape(input_shapes);
  if (out.rank() != Rank + 2) {
    this->fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + out.to_string());
  }
  const std::size_t first_spatial = this->options_.data_format == "channels_first" ? 2 : 1;
  for (std::size_t i = 0; i < Rank; ++i) out[first_spatial + i] = this->options_.output_size[i];
  return {out};
}

template <std::size_t Rank, PoolingMode Mode>
std::vector<Tensor> BaseAdaptivePooling<Rank, Mode>::call(CallArgs& args) {
  this->expect_inputs(args, 1);
  const Tensor& input = args.inputs[0];
  if (input.rank() != static_cast<std::int64_t>(Rank + 2)) {
    this->fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + shape_repr(input.shape()));
  }
  const bool channels_first = this->options_.data_format == "channels_first";
  const Tensor x = channels_first ? input.move_axis_to_last(1) : input;
  const ops::PoolMode mode = Mode == PoolingMode::max ? ops::PoolMode::max : ops::PoolMode::average;
  const auto& size = this->options_.output_size.values;
  Tensor y = ops::adaptive_pool(x, mode, std::vector<std::int64_t>(size.begin(), size.end()));
  return {channels_first ? y.move_last_axis_to(1) : y};
}

template class BaseAdaptivePooling<1, PoolingMode::max>;
template class BaseAdaptivePooling<2, PoolingMode::max>;
template class BaseAdaptivePooling<3, PoolingMode::max>;
template class BaseAdaptivePooling<1, PoolingMode::average>;
template class BaseAdaptivePooling<2, PoolingMode::average>;
template class BaseAdaptivePooling<3, PoolingMode::average>;

}  // namespace kplug::layers
