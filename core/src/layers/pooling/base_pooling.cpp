// Keras's BasePooling, and MaxPooling2D, AveragePooling2D (1-D and 3-D: pooling1d_3d.cpp).
#include "kplug/errors.hpp"
#include "kplug/layers/pooling.hpp"
#include "kplug/ops/nn.hpp"
#include "kplug/ops/pooling.hpp"
#include "layers/spatial_options.hpp"

#include <utility>

namespace kplug::layers {
namespace {

template <std::size_t Rank>
const config::Fields<PoolingOptions<Rank>>& pooling_fields() {
  using O = PoolingOptions<Rank>;
  static const config::Fields<O> f{
      config::field("pool_size", &O::pool_size).check(detail::tuple_check<Rank>("pool_size")),
      config::field("padding", &O::padding).check(detail::padding_check(false)),
      config::field("strides", &O::strides).check([](const std::optional<config::IntTuple<Rank>>& s) {
        return s ? detail::tuple_error(*s, "strides") : std::string();
      }),
      config::field("data_format", &O::data_format).null_is_default().check(detail::data_format_check())};
  return f;
}

template <std::size_t Rank>
std::pair<std::string, std::string> options_error(const PoolingOptions<Rank>& o) {
  if (std::string e = detail::tuple_error(o.pool_size, "pool_size"); !e.empty()) return {"pool_size", e};
  if (o.strides) {
    if (std::string e = detail::tuple_error(*o.strides, "strides"); !e.empty()) return {"strides", e};
  }
  if (std::string e = detail::padding_error(o.padding, false); !e.empty()) return {"padding", e};
  if (std::string e = detail::data_format_error(o.data_format); !e.empty()) return {"data_format", e};
  return {};
}

}  // namespace

template <std::size_t Rank>
BasePooling<Rank>::BasePooling(Mode mode, Options options, LayerArgs args)
    : Layer(std::move(args)), mode_(mode), options_(std::move(options)) {
  if (auto [key, message] = options_error(options_); !message.empty()) throw ValueError(message);
  if (!options_.strides) options_.strides = options_.pool_size;
  options_.data_format = detail::lower(options_.data_format);
  mark_built_at_init();
}

template <std::size_t Rank>
boost::json::object BasePooling<Rank>::get_config() const {
  boost::json::object config = base_config();
  pooling_fields<Rank>().write_into(options_, config);
  return config;
}

template <std::size_t Rank>
std::pair<PoolingOptions<Rank>, LayerArgs> BasePooling<Rank>::read_config(const boost::json::object& config,
                                                                          DeserializationContext& context,
                                                                          const std::string& class_name) {
  ConfigReader reader(config, context, class_name);
  LayerArgs args = LayerArgs::read(reader);
  Options o;
  pooling_fields<Rank>().read_into(reader, o);
  reader.finish();
  return {std::move(o), std::move(args)};
}

template <std::size_t Rank>
std::vector<PartialShape> BasePooling<Rank>::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  PartialShape out = single_shape(input_shapes);
  if (out.rank() != Rank + 2)
    fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + out.to_string());
  const std::size_t first_spatial = options_.data_format == "channels_first" ? 2 : 1;
  const ops::Padding padding = detail::lower(options_.padding) == "same" ? ops::Padding::same : ops::Padding::valid;
  for (std::size_t i = 0; i < Rank; ++i) {
    Dim& d = out[first_spatial + i];
    if (!d) continue;
    if (padding == ops::Padding::valid && *d < options_.pool_size[i]) {
      fail("Computed output size would be negative. Received: `inputs.shape=" + single_shape(input_shapes).to_string() +
           "` and `pool_size=" + detail::tuple_repr(options_.pool_size) + "`.");
    }
    d = ops::conv_output_length(*d, options_.pool_size[i], (*options_.strides)[i], 1, padding);
  }
  return {out};
}

template <std::size_t Rank>
std::vector<Tensor> BasePooling<Rank>::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& input = args.inputs[0];
  if (input.rank() != static_cast<std::int64_t>(Rank + 2)) {
    fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + shape_repr(input.shape()));
  }
  const bool channels_first = options_.data_format == "channels_first";
  const Tensor x = channels_first ? input.move_axis_to_last(1) : input;
  const ops::PoolMode mode = mode_ == Mode::max ? ops::PoolMode::max : ops::PoolMode::average;
  const ops::Padding padding = detail::lower(options_.padding) == "same" ? ops::Padding::same : ops::Padding::valid;
  Tensor y;
  if constexpr (Rank == 1) {
    y = ops::pool1d(x, mode, {options_.pool_size[0], (*options_.strides)[0], padding});
  } else if constexpr (Rank == 2) {
    y = ops::pool2d(x, mode, {options_.pool_size.values, options_.strides->values, padding});
  } else {
    y = ops::pool3d(x, mode, {options_.pool_size.values, options_.strides->values, padding});
  }
  return {channels_first ? y.move_last_axis_to(1) : y};
}

template class BasePooling<1>;
template class BasePooling<2>;
template class BasePooling<3>;

MaxPooling2D::MaxPooling2D(Options options, LayerArgs args)
    : BasePooling<2>(Mode::max, std::move(options), std::move(args)) {}

std::shared_ptr<MaxPooling2D> MaxPooling2D::from_config(const boost::json::object& config,
                                                        DeserializationContext& context) {
  auto [options, args] = read_config(config, context, "MaxPooling2D");
  return std::make_shared<MaxPooling2D>(std::move(options), std::move(args));
}

AveragePooling2D::AveragePooling2D(Options options, LayerArgs args)
    : BasePooling<2>(Mode::average, std::move(options), std::move(args)) {}

std::shared_ptr<AveragePooling2D> AveragePooling2D::from_config(const boost::json::object& config,
                                                                DeserializationContext& context) {
  auto [options, args] = read_config(config, context, "AveragePooling2D");
  return std::make_shared<AveragePooling2D>(std::move(options), std::move(args));
}

}  // namespace kplug::layers
