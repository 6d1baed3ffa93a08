// keras.layers audio preprocessing layers: STFTSpectrogram (a strided product with stored
// DFT kernels) and MelSpectrogram (STFT, mel filterbank, decibels; no weights). The maths
// is kplug/ops/signal.hpp.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/initializers.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/number.hpp"
#include "kplug/ops/signal.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

struct STFTSpectrogramOptions {
  std::string mode = "log";
  std::int64_t frame_length = 256;
  std::optional<std::int64_t> frame_step;  // none: frame_length / 2
  std::optional<std::int64_t> fft_length;  // none: the smallest power of two >= frame_length
  initializers::STFT::Window window = initializers::STFT::Window::named("hann");
  bool periodic = false;
  std::optional<std::string> scaling = std::string("density");
  std::string padding = "valid";
  std::string data_format = "channels_last";
  bool expand_dims = false;
};

// (batch, time, channels) (or channels_first) -> spectrograms of every channel, through the
// weights real_kernel / imag_kernel (frame_length, 1, fft_length / 2 + 1) that the STFT
// initializer fills (mode real has no imag_kernel, mode imag no real_kernel).
class STFTSpectrogram : public FieldsLayer<STFTSpectrogram, STFTSpectrogramOptions> {
 public:
  static const config::Fields<Options>& fields();
  STFTSpectrogram(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  std::int64_t frame_step() const;
  std::int64_t fft_length() const;
  // (batch, channels, frames, bins) -> Keras's output layout for data_format / expand_dims.
  Tensor arrange(const Tensor& spectra) const;

  ops::SpectrogramMode mode_;
  VariablePtr real_kernel_, imag_kernel_;
};

struct MelSpectrogramOptions {
  std::int64_t fft_length = 2048;
  std::int64_t sequence_stride = 512;
  std::optional<std::int64_t> sequence_length;  // none (or 0): fft_length; written resolved
  std::optional<std::string> window = std::string("hann");
  Number sampling_rate = Number::integer(16000);
  std::int64_t num_mel_bins = 128;
  Number min_freq = Number::real(20.0);
  std::optional<Number> max_freq;  // none (or 0): int(sampling_rate / 2); written resolved
  bool power_to_db = true;
  Number top_db = Number::real(80.0);
  Number mag_exp = Number::real(2.0);
  Number min_power = Number::real(1e-10);
  Number ref_power = Number::real(1.0);
};

// Signals (..., samples) (rank 1 or 2) -> mel spectrograms (..., num_mel_bins, frames):
// |stft|^mag_exp (centred frames, reflect padding) on the mel scale, in decibels when
// power_to_db.
class MelSpectrogram : public FieldsLayer<MelSpectrogram, MelSpectrogramOptions> {
 public:
  static const config::Fields<Options>& fields();
  MelSpectrogram(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
