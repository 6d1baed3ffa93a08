// STFTSpectrogram: every channel framed and multiplied by the stored DFT kernels
// (ops::framed_product, Keras's strided conv), combined per mode by ops::spectrogram.
#include "initializers/stft_window.hpp"
#include "kplug/errors.hpp"
#include "kplug/layers/audio.hpp"
#include "kplug/ops/shape.hpp"
#include "layers/spatial_options.hpp"

#include <bit>

namespace kplug::layers {
namespace {

config::Check<std::optional<std::string>> scaling_check() {
  return [](const std::optional<std::string>& scaling) {
    return scaling ? config::one_of({"density", "spectrum"})(*scaling) : std::string();
  };
}

std::string positive_or_null(const std::optional<std::int64_t>& v, const char* key) {
  return !v || *v >= 1 ? std::string() : "`" + std::string(key) + "` must be a positive integer or null";
}

Dim times(const Dim& a, std::int64_t b) { return a ? Dim(*a * b) : Dim(); }

}  // namespace

const config::Fields<STFTSpectrogramOptions>& STFTSpectrogram::fields() {
  using O = STFTSpectrogramOptions;
  static const config::Fields<O> f{
      config::field("mode", &O::mode)
          .check(config::one_of({"log", "magnitude", "psd", "real", "imag", "angle", "stft"})),
      config::field("frame_length", &O::frame_length).check(config::at_least(1)),
      config::field("frame_step", &O::frame_step).check([](const std::optional<std::int64_t>& v) {
        return positive_or_null(v, "frame_step");
      }),
      config::field("fft_length", &O::fft_length).check([](const std::optional<std::int64_t>& v) {
        return positive_or_null(v, "fft_length");
      }),
      config::field("window", &O::window),
      config::field("periodic", &O::periodic),
      config::field("scaling", &O::scaling).check(scaling_check()),
      config::field("padding", &O::padding).check(config::one_of({"valid", "same"})),
      detail::data_format_field(&O::data_format),
      config::field("expand_dims", &O::expand_dims)};
  return f;
}

STFTSpectrogram::STFTSpectrogram(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  const Options& o = options_;
  if (o.frame_length < 1) {
    throw ValueError("`frame_length` must be a positive integer. Received: " + std::to_string(o.frame_length));
  }
  // Keras's default frame_step, frame_length // 2, is 0 here: its conv would refuse it.
  if (!o.frame_step && o.frame_length < 2) {
    throw ValueError("`frame_length`=1 needs an explicit `frame_step` (the default frame_length // 2 is 0)");
  }
  if (o.frame_step && (*o.frame_step > o.frame_length || *o.frame_step < 1)) {
    throw ValueError("`frame_step` should be a positive integer not greater than `frame_length`. Received frame_step=" +
                     std::to_string(*o.frame_step) + ", frame_length=" + std::to_string(o.frame_length));
  }
  if (o.fft_length && *o.fft_length < o.frame_length) {
    throw ValueError("`fft_length` should be not less than `frame_length`. Received fft_length=" +
                     std::to_string(*o.fft_length) + ", frame_length=" + std::to_string(o.frame_length));
  }
  const auto mode = ops::spectrogram_mode_from_name(o.mode);
  if (!mode) {
    throw ValueError(
        "Output mode is invalid, it must be one of log, magnitude, psd, real, imag, angle, stft. "
        "Received: mode=" +
        o.mode);
  }
  mode_ = *mode;
  if (o.padding != "valid" && o.padding != "same") {
    throw ValueError("Padding is invalid, it should be 'valid', 'same'. Received: padding=" + o.padding);
  }
  detail::standardize_data_format(options_.data_format);
  // The initializer checks the window and the scaling with Keras's messages.
  initializers::STFT("real", o.window, o.scaling, o.periodic);
}

std::int64_t STFTSpectrogram::frame_step() const { return options_.frame_step.value_or(options_.frame_length / 2); }

std::int64_t STFTSpectrogram::fft_length() const {
  if (options_.fft_length) return *options_.fft_length;
  return static_cast<std::int64_t>(std::bit_ceil(static_cast<std::uint64_t>(options_.frame_length)));
}

void STFTSpectrogram::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() != 3) fail("expects inputs of rank 3, got shape " + in.to_string());
  const Shape shape{options_.frame_length, 1, fft_length() / 2 + 1};
  const auto kernel = [&](const char* side) {
    auto init = std::make_shared<initializers::STFT>(side, options_.window, options_.scaling, options_.periodic);
    return add_weight({std::string(side) + "_kernel", shape, std::move(init), nullptr, nullptr, true});
  };
  if (mode_ != ops::SpectrogramMode::imag) real_kernel_ = kernel("real");
  if (mode_ != ops::SpectrogramMode::real) imag_kernel_ = kernel("imag");
}

std::vector<PartialShape> STFTSpectrogram::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() != 3) fail("expects inputs of rank 3, got shape " + in.to_string());
  const bool channels_last = options_.data_format == "channels_last";
  const Dim channels = channels_last ? in[2] : in[1];
  const Dim time = channels_last ? in[1] : in[2];
  const std::int64_t freq = (fft_length() / 2 + 1) * (mode_ == ops::SpectrogramMode::stft ? 2 : 1);
  const ops::Padding padding = options_.padding == "same" ? ops::Padding::same : ops::Padding::valid;
  const Dim frames =
      time ? Dim(ops::conv_output_length(*time, options_.frame_length, frame_step(), 1, padding)) : Dim();
  if (options_.expand_dims) {
    return {channels_last ? PartialShape{in[0], frames, freq, channels} : PartialShape{in[0], channels, frames, freq}};
  }
  return {channels_last ? PartialShape{in[0], frames, times(channels, freq)}
                        : PartialShape{in[0], times(channels, freq), frames}};
}

Tensor STFTSpectrogram::arrange(const Tensor& spectra) const {
  const std::int64_t batch = spectra.dim(0), channels = spectra.dim(1), frames = spectra.dim(2);
  const std::int64_t freq = spectra.dim(3);
  if (options_.data_format == "channels_last") {
    if (options_.expand_dims) return ops::permute(spectra, {0, 2, 3, 1});
    return ops::permute(spectra, {0, 2, 1, 3}).reshape({batch, frames, channels * freq});
  }
  if (options_.expand_dims) return spectra;
  return ops::permute(spectra, {0, 1, 3, 2}).reshape({batch, channels * freq, frames});
}

std::vector<Tensor> STFTSpectrogram::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  if (x.dtype() != DType::float32) {
    fail("Invalid input type. Expected `float16`, `float32` or `float64`. Received: input type=" +
         std::string(dtype_name(x.dtype())));
  }
  if (x.rank() != 3) fail("expects inputs of rank 3, got shape " + shape_repr(x.shape()));
  const bool channels_last = options_.data_format == "channels_last";
  const std::int64_t batch = x.dim(0), channels = channels_last ? x.dim(2) : x.dim(1);
  const std::int64_t time = channels_last ? x.dim(1) : x.dim(2);
  // Every channel is a signal of its own: (batch * channels, time).
  const Tensor signals = (channels_last ? ops::permute(x, {0, 2, 1}) : x).reshape({batch * channels, time});
  const ops::Padding padding = options_.padding == "same" ? ops::Padding::same : ops::Padding::valid;
  const auto transform = [&](const VariablePtr& kernel) {
    const Tensor k = kernel->value();
    const Tensor out = ops::framed_product(signals, k.reshape({k.dim(0), k.dim(2)}), frame_step(), padding);
    return out.reshape({batch, channels, out.dim(1), out.dim(2)});
  };
  std::optional<Tensor> real, imag;
  if (real_kernel_) real = transform(real_kernel_);
  if (imag_kernel_) imag = transform(imag_kernel_);
  return {arrange(ops::spectrogram(real ? &*real : nullptr, imag ? &*imag : nullptr, mode_, 3))};
}

}  // namespace kplug::layers
