// ZeroPadding1D: zeros before and after the steps axis.
#include "kplug/errors.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/ops/shape.hpp"
#include "layers/fields_layer.hpp"
#include "layers/spatial_options.hpp"

namespace kplug::layers {
namespace {

const config::Fields<ZeroPadding1D::Options>& zero_padding_fields() {
  using O = ZeroPadding1D::Options;
  static const config::Fields<O> f{
      config::field("padding", &O::padding).check(detail::tuple_check<2>("padding", /*allow_zero=*/true)),
      config::field("data_format", &O::data_format).null_is_default().check(detail::data_format_check())};
  return f;
}

}  // namespace

ZeroPadding1D::ZeroPadding1D(Options options, LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {
  if (std::string e = detail::tuple_error(options_.padding, "padding", true); !e.empty()) throw ValueError(e);
  if (std::string e = detail::data_format_error(options_.data_format); !e.empty()) throw ValueError(e);
  options_.data_format = detail::lower(options_.data_format);
}

boost::json::object ZeroPadding1D::get_config() const {
  return detail::write_fields_layer(*this, options_, zero_padding_fields());
}

std::shared_ptr<ZeroPadding1D> ZeroPadding1D::from_config(const boost::json::object& config,
                                                          DeserializationContext& context) {
  return detail::read_fields_layer<ZeroPadding1D>(config, context, "ZeroPadding1D", zero_padding_fields());
}

std::vector<PartialShape> ZeroPadding1D::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  PartialShape out = single_shape(input_shapes);
  if (out.rank() != 3) fail("expects inputs of rank 3, got shape " + out.to_string());
  Dim& steps = out[options_.data_format == "channels_first" ? 2 : 1];
  if (steps) steps = *steps + options_.padding[0] + options_.padding[1];
  return {out};
}

std::vector<Tensor> ZeroPadding1D::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  if (x.rank() != 3) fail("expects inputs of rank 3, got shape " + shape_repr(x.shape()));
  std::vector<std::pair<std::int64_t, std::int64_t>> pads(3, {0, 0});
  pads[options_.data_format == "channels_first" ? 2 : 1] = {options_.padding[0], options_.padding[1]};
  return {ops::pad(x, pads)};
}

}  // namespace kplug::layers
