// MelSpectrogram: ops::stft (centred, scipy's periodic window), |.|^mag_exp, the mel
// filterbank (ops::linear_to_mel_weight_matrix) and ops::power_to_db, as Keras's call.
#include "kplug/errors.hpp"
#include "kplug/layers/audio.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/linalg.hpp"
#include "kplug/ops/shape.hpp"

#include <cmath>

namespace kplug::layers {
namespace {

config::Check<std::optional<std::string>> window_check() {
  return [](const std::optional<std::string>& window) {
    return window ? config::one_of({"hann", "hamming"})(*window) : std::string();
  };
}

Dim frames_of(const Dim& samples, std::int64_t stride) {
  return samples ? Dim((*samples + stride + 1) / stride) : Dim();  // Keras's compute_output_shape
}

}  // namespace

const config::Fields<MelSpectrogramOptions>& MelSpectrogram::fields() {
  using O = MelSpectrogramOptions;
  static const config::Fields<O> f{config::field("fft_length", &O::fft_length).check(config::at_least(1)),
                                   config::field("sequence_stride", &O::sequence_stride).check(config::at_least(1)),
                                   config::field("sequence_length", &O::sequence_length),
                                   config::field("window", &O::window).check(window_check()),
                                   config::field("sampling_rate", &O::sampling_rate).check(config::positive()),
                                   config::field("num_mel_bins", &O::num_mel_bins).check(config::at_least(1)),
                                   config::field("min_freq", &O::min_freq).check(config::finite()),
                                   config::field("max_freq", &O::max_freq),
                                   config::field("power_to_db", &O::power_to_db),
                                   config::field("top_db", &O::top_db).check(config::finite()),
                                   config::field("mag_exp", &O::mag_exp).check(config::finite()),
                                   config::field("min_power", &O::min_power).check(config::finite_non_negative()),
                                   config::field("ref_power", &O::ref_power).check(config::finite())};
  return f;
}

MelSpectrogram::MelSpectrogram(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  Options& o = options_;
  // Python's `sequence_length or fft_length` and `max_freq or int(sampling_rate / 2)`.
  if (!o.sequence_length || *o.sequence_length == 0) o.sequence_length = o.fft_length;
  if (!o.max_freq || o.max_freq->value == 0.0) {
    o.max_freq = Number::integer(static_cast<std::int64_t>(std::trunc(o.sampling_rate.value / 2.0)));
  }
  if (o.fft_length < *o.sequence_length) {
    throw ValueError("`fft_length` must be greater than or equal to   `sequence_length`. Received: `sequence_length`=" +
                     std::to_string(*o.sequence_length) + ", `fft_length`=" + std::to_string(o.fft_length) + ".");
  }
  if (o.fft_length < 1 || o.sequence_stride < 1 || *o.sequence_length < 1 || o.num_mel_bins < 1) {
    throw ValueError(
        "MelSpectrogram: `fft_length`, `sequence_stride`, `sequence_length` and `num_mel_bins` must be "
        "positive integers");
  }
  if (o.window && *o.window != "hann" && *o.window != "hamming") {
    throw ValueError(
        "If a string is passed to `window`, it must be one of `\"hann\"`, `\"hamming\"`. Received: window=" +
        *o.window);
  }
}

std::vector<PartialShape> MelSpectrogram::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  const Dim mels = options_.num_mel_bins;
  if (in.rank() == 1) return {PartialShape{mels, frames_of(in[0], options_.sequence_stride)}};
  if (in.rank() == 2) return {PartialShape{in[0], mels, frames_of(in[1], options_.sequence_stride)}};
  fail("expects signals of rank 1 or 2, got shape " + in.to_string());
}

std::vector<Tensor> MelSpectrogram::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Options& o = options_;
  const Tensor& input = args.inputs[0];
  if (input.rank() != 1 && input.rank() != 2)
    fail("expects signals of rank 1 or 2, got shape " + shape_repr(input.shape()));
  const Tensor x = input.dtype() == DType::float32 ? input : ops::cast(input, DType::float32);
  ops::StftOptions stft;
  stft.sequence_length = *o.sequence_length;
  stft.sequence_stride = o.sequence_stride;
  stft.fft_length = o.fft_length;
  // scipy.signal.get_window's default is the periodic window (fftbins=True).
  if (o.window) stft.window = ops::window(*ops::window_from_name(*o.window), stft.sequence_length, true);
  const ops::ComplexTensor parts = ops::stft(x, stft);
  Tensor spectrum = ops::sqrt(ops::add(ops::square(parts.real), ops::square(parts.imag)));
  spectrum = ops::pow(spectrum, static_cast<float>(o.mag_exp.value));
  const Tensor mel = ops::linear_to_mel_weight_matrix(o.num_mel_bins, spectrum.dim(-1), o.sampling_rate.value,
                                                      o.min_freq.value, o.max_freq->value);
  Tensor out = ops::matmul(spectrum, mel);
  if (o.power_to_db) out = ops::power_to_db(out, o.ref_power.value, o.min_power.value, o.top_db.value);
  return {ops::moveaxis(out, -1, -2)};
}

}  // namespace kplug::layers
