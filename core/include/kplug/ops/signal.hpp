// Signal processing for Keras's audio layers, as its numpy backend computes it: scipy's
// window functions, framing (extract_sequences), framed products with a stored DFT kernel
// (STFTSpectrogram's strided conv), keras.ops.stft (scipy.signal.stft), the spectrogram
// modes, the HTK mel filterbank and power_to_db. Sums are accumulated in float64 and
// rounded to float32, as the reference backend does.
#pragma once

#include "kplug/ops/conv.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

// ---- windows ----

enum class WindowKind { hann, hamming, boxcar };
// scipy.signal.get_window names with scipy's aliases ("hann"/"han", "hamming"/"hamm"/"ham",
// "boxcar"/"box"/"ones"/"rect"/"rectangular"); nullopt for any other.
std::optional<WindowKind> window_from_name(std::string_view name);
// scipy.signal.get_window(kind, length, fftbins=periodic): a periodic window is the symmetric
// one of length + 1 points without its last; windows of 0 or 1 points are all ones.
std::vector<double> window(WindowKind kind, std::int64_t length, bool periodic);

// ---- framing ----

// Keras's extract_sequences: (..., time) -> (..., frames, frame_length) with frames =
// (time - frame_length) / frame_step + 1. ValueError when time < frame_length.
Tensor frame(const Tensor& x, std::int64_t frame_length, std::int64_t frame_step);

// Each frame of each signal times a kernel: signals (batch, time), kernel (frame_length, bins)
// -> (batch, frames, bins). This is Keras's 1-D conv of (batch, time, 1) with a
// (frame_length, 1, bins) kernel, stride frame_step, padding valid or same (Keras's padding
// and output length rule, ops::conv_padding).
Tensor framed_product(const Tensor& signals, const Tensor& kernel, std::int64_t frame_step, Padding padding);

// ---- short-time Fourier transform ----

struct ComplexTensor {
  Tensor real;
  Tensor imag;
};

struct StftOptions {
  std::int64_t sequence_length = 0;  // window length (<= fft_length)
  std::int64_t sequence_stride = 0;
  std::int64_t fft_length = 0;
  std::optional<std::vector<double>> window;  // sequence_length values; none: all ones over fft_length
  bool center = true;                         // reflect-pad fft_length / 2 on both sides first
};

// keras.ops.stft with the numpy backend: x (..., time) float32 -> real and imaginary parts
// (..., frames, fft_length / 2 + 1); the window is centred in fft_length (zeros around it),
// the spectrum unscaled (a radix-2 FFT for power-of-two fft_length, else the direct sum).
ComplexTensor stft(const Tensor& x, const StftOptions& options);

// ---- spectrograms ----

enum class SpectrogramMode { log, magnitude, psd, real, imag, angle, stft };
// "log", "magnitude", "psd", "real", "imag", "angle", "stft"; nullopt otherwise.
std::optional<SpectrogramMode> spectrogram_mode_from_name(std::string_view name);

// STFTSpectrogram's output of one mode from the STFT parts (bins along `bin_axis`); `real`
// may be null for mode imag, `imag` for mode real. magnitude: sqrt(max(re^2 + im^2, 1e-7)),
// log: its log (floored at 1e-7), psd: the power with the bins but the first and last
// doubled, angle: atan2(im, re), stft: real and imaginary concatenated along `bin_axis`.
Tensor spectrogram(const Tensor* real, const Tensor* imag, SpectrogramMode mode, std::int64_t bin_axis);

// The HTK mel filterbank (Keras's MelSpectrogram.linear_to_mel_weight_matrix): a
// (num_spectrogram_bins, num_mel_bins) matrix of triangles with peak 1, linear in
// mel = 1127 ln(1 + f / 700), spread over [lower_edge_hertz, upper_edge_hertz]; the DC row is zero.
Tensor linear_to_mel_weight_matrix(std::int64_t num_mel_bins, std::int64_t num_spectrogram_bins, double sampling_rate,
                                   double lower_edge_hertz, double upper_edge_hertz);

// 10 log10(max(power, min_power)) - 10 log10(max(|ref_power|, min_power)), floored at the
// maximum over the whole tensor (every batch item, as Keras) minus top_db.
Tensor power_to_db(const Tensor& power, double ref_power, double min_power, double top_db);

}  // namespace kplug::ops
#pragma GCC visibility pop
