// UpSampling2D / UpSampling3D: nearest is numpy's repeat per spatial axis (as Keras's
// ops.repeat), other interpolations resample through ops::resize.
#include "kplug/layers/up_sampling.hpp"
#include "kplug/errors.hpp"
#include "kplug/ops/image.hpp"
#include "layers/fields_layer.hpp"
#include "layers/spatial_options.hpp"

namespace kplug::layers {
namespace {

std::string interpolation_error(const std::string& value) {
  if (ops::interpolation_from_name(detail::lower(value))) return {};
  return "Invalid value for argument `interpolation`. Expected one of ('bilinear', 'nearest', 'lanczos3', "
         "'lanczos5', 'bicubic'). Received: interpolation=" +
         value;
}

const config::Fields<UpSampling2D::Options>& up_sampling2d_fields() {
  using O = UpSampling2D::Options;
  static const config::Fields<O> f{
      config::field("size", &O::size).check(detail::tuple_check<2>("size")),
      config::field("data_format", &O::data_format).null_is_default().check(detail::data_format_check()),
      config::field("interpolation", &O::interpolation).check(interpolation_error)};
  return f;
}

const config::Fields<UpSampling3D::Options>& up_sampling3d_fields() {
  using O = UpSampling3D::Options;
  static const config::Fields<O> f{
      config::field("size", &O::size).check(detail::tuple_check<3>("size")),
      config::field("data_format", &O::data_format).null_is_default().check(detail::data_format_check())};
  return f;
}

// The first spatial axis of a (batch, ...) tensor.
std::int64_t first_spatial_axis(const std::string& data_format) { return data_format == "channels_first" ? 2 : 1; }

template <std::size_t N>
PartialShape scaled_shape(PartialShape shape, const config::IntTuple<N>& size, const std::string& data_format) {
  const std::int64_t first = first_spatial_axis(data_format);
  for (std::size_t i = 0; i < N; ++i) {
    Dim& d = shape[static_cast<std::size_t>(first) + i];
    if (d) d = *d * size[i];
  }
  return shape;
}

}  // namespace

// ---- UpSampling2D ----

UpSampling2D::UpSampling2D(Options options, LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {
  if (std::string e = detail::tuple_error(options_.size, "size"); !e.empty()) throw ValueError(e);
  if (std::string e = detail::data_format_error(options_.data_format); !e.empty()) throw ValueError(e);
  if (std::string e = interpolation_error(options_.interpolation); !e.empty()) throw ValueError(e);
  options_.data_format = detail::lower(options_.data_format);
  options_.interpolation = detail::lower(options_.interpolation);  // Keras's interpolation.lower()
}

boost::json::object UpSampling2D::get_config() const {
  return detail::write_fields_layer(*this, options_, up_sampling2d_fields());
}

std::shared_ptr<UpSampling2D> UpSampling2D::from_config(const boost::json::object& config,
                                                        DeserializationContext& context) {
  return detail::read_fields_layer<UpSampling2D>(config, context, "UpSampling2D", up_sampling2d_fields());
}

std::vector<PartialShape> UpSampling2D::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() != 4) fail("expects inputs of rank 4, got shape " + in.to_string());
  return {scaled_shape(in, options_.size, options_.data_format)};
}

std::vector<Tensor> UpSampling2D::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  if (x.rank() != 4) fail("expects inputs of rank 4, got shape " + shape_repr(x.shape()));
  const bool channels_first = options_.data_format == "channels_first";
  const std::int64_t h_axis = first_spatial_axis(options_.data_format);
  const auto interpolation = *ops::interpolation_from_name(options_.interpolation);
  if (interpolation == ops::Interpolation::nearest) {
    return {ops::repeat(ops::repeat(x, options_.size[0], h_axis), options_.size[1], h_axis + 1)};
  }
  ops::ResizeOptions resize;
  resize.interpolation = interpolation;
  resize.channels_first = channels_first;
  return {ops::resize(x, x.dim(h_axis) * options_.size[0], x.dim(h_axis + 1) * options_.size[1], resize)};
}

// ---- UpSampling3D ----

UpSampling3D::UpSampling3D(Options options, LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {
  if (std::string e = detail::tuple_error(options_.size, "size"); !e.empty()) throw ValueError(e);
  if (std::string e = detail::data_format_error(options_.data_format); !e.empty()) throw ValueError(e);
  options_.data_format = detail::lower(options_.data_format);
}

boost::json::object UpSampling3D::get_config() const {
  return detail::write_fields_layer(*this, options_, up_sampling3d_fields());
}

std::shared_ptr<UpSampling3D> UpSampling3D::from_config(const boost::json::object& config,
                                                        DeserializationContext& context) {
  return detail::read_fields_layer<UpSampling3D>(config, context, "UpSampling3D", up_sampling3d_fields());
}

std::vector<PartialShape> UpSampling3D::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() != 5) fail("expects inputs of rank 5, got shape " + in.to_string());
  return {scaled_shape(in, options_.size, options_.data_format)};
}

std::vector<Tensor> UpSampling3D::call(CallArgs& args) {
  expect_inputs(args, 1);
  Tensor x = args.inputs[0];
  if (x.rank() != 5) fail("expects inputs of rank 5, got shape " + shape_repr(x.shape()));
  const std::int64_t first = first_spatial_axis(options_.data_format);
  for (std::int64_t i = 0; i < 3; ++i) x = ops::repeat(x, options_.size[static_cast<std::size_t>(i)], first + i);
  return {x};
}

}  // namespace kplug::layers
