#include "kplug/ops/signal.hpp"

#include "kplug/allocation_budget.hpp"
#include "kplug/errors.hpp"
#include "kplug/number.hpp"
#include "kplug/ops/shape.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

namespace kplug::ops {
namespace {

constexpr float kEpsilon = 1e-7f;  // keras.backend.epsilon()

// scipy's general_hamming(M, alpha): alpha - (1 - alpha) cos(2 pi n / (M - 1)) (M + 1 points
// for a periodic window, the last dropped).
std::vector<double> cosine_window(std::int64_t length, double alpha, bool periodic) {
  std::vector<double> w(static_cast<std::size_t>(std::max<std::int64_t>(length, 0)), 1.0);
  if (length <= 1) return w;
  const double denominator = static_cast<double>(periodic ? length : length - 1);
  for (std::int64_t n = 0; n < length; ++n) {
    w[static_cast<std::size_t>(n)] =
        alpha - (1.0 - alpha) * std::cos(2.0 * std::numbers::pi * static_cast<double>(n) / denominator);
  }
  return w;
}

void require_float32(const Tensor& x, const char* op) {
  if (x.dtype() != DType::float32) {
    throw ValueError(std::string(op) + ": expects float32 input, got " + std::string(dtype_name(x.dtype())));
  }
}

void require_positive(const char* op, const char* what, std::int64_t v) {
  if (v < 1) throw ValueError(std::string(op) + ": `" + what + "` must be >= 1, got " + std::to_string(v));
}

// numpy's pad(mode="reflect") source index of padded position i (may be outside [0, n)).
std::int64_t reflect_index(std::int64_t i, std::int64_t n) {
  if (n == 1) return 0;
  const std::int64_t period = 2 * (n - 1);
  std::int64_t j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

// x (..., time) -> (rows, time + 2 pad) reflected at both ends.
Tensor reflect_pad_last(const Tensor& x, std::int64_t pad) {
  const std::int64_t n = x.dim(-1), rows = n == 0 ? 0 : x.size() / n;
  if (n == 0) throw ValueError("stft: cannot reflect-pad an empty signal");
  Shape shape = x.shape();
  shape.back() = n + 2 * pad;
  check_allocation(shape, sizeof(float), "stft");
  Tensor out(shape);
  const float* src = x.data();
  float* dst = out.data();
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t i = 0; i < n + 2 * pad; ++i) *dst++ = src[r * n + reflect_index(i - pad, n)];
  }
  return out;
}

// e^(-2 pi i t / n) for t < n.
struct Twiddles {
  std::vector<double> cos, sin;
  explicit Twiddles(std::int64_t n) : cos(static_cast<std::size_t>(n)), sin(static_cast<std::size_t>(n)) {
    for (std::int64_t t = 0; t < n; ++t) {
      const double angle = -2.0 * std::numbers::pi * static_cast<double>(t) / static_cast<double>(n);
      cos[static_cast<std::size_t>(t)] = std::cos(angle);
      sin[static_cast<std::size_t>(t)] = std::sin(angle);
    }
  }
};

// In-place iterative radix-2 FFT of (re, im); their length is a power of two.
void fft_in_place(std::vector<double>& re, std::vector<double>& im, const Twiddles& w) {
  const std::size_t n = re.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {  // bit-reversed order
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      std::swap(re[i], re[j]);
      std::swap(im[i], im[j]);
    }
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const std::size_t half = len / 2, step = n / len;
    for (std::size_t start = 0; start < n; start += len) {
      for (std::size_t k = 0; k < half; ++k) {
        const double wr = w.cos[k * step], wi = w.sin[k * step];
        const std::size_t a = start + k, b = a + half;
        const double xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

// The first `bins` DFT terms of a real sequence: an FFT for power-of-two lengths, else the
// direct sum (float64 either way).
void real_spectrum(std::vector<double>& re, std::vector<double>& im, std::size_t bins, const Twiddles& w) {
  const std::size_t n = re.size();
  std::fill(im.begin(), im.end(), 0.0);
  if (std::has_single_bit(n)) return fft_in_place(re, im, w);
  const std::vector<double> x = re;
  for (std::size_t k = 0; k < bins; ++k) {
    double sum_re = 0.0, sum_im = 0.0;
    for (std::size_t t = 0; t < n; ++t) {
      sum_re += x[t] * w.cos[(k * t) % n];
      sum_im += x[t] * w.sin[(k * t) % n];
    }
    re[k] = sum_re;
    im[k] = sum_im;
  }
}

// The real DFT of every row of `frames` (rows, n) times `window` (n values): (rows, n / 2 + 1)
// real and imaginary parts.
ComplexTensor real_dft(const Tensor& frames, const std::vector<double>& window) {
  const std::int64_t n = frames.dim(-1), bins = n / 2 + 1, rows = frames.size() / n;
  const Twiddles twiddles(n);
  Shape shape = frames.shape();
  shape.back() = bins;
  ComplexTensor out{Tensor(shape), Tensor(shape)};
  std::vector<double> re(static_cast<std::size_t>(n)), im(static_cast<std::size_t>(n));
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* x = frames.data() + r * n;
    for (std::int64_t t = 0; t < n; ++t) {
      re[static_cast<std::size_t>(t)] = static_cast<double>(x[t]) * window[static_cast<std::size_t>(t)];
    }
    real_spectrum(re, im, static_cast<std::size_t>(bins), twiddles);
    for (std::int64_t k = 0; k < bins; ++k) {
      out.real[r * bins + k] = to_float32(re[static_cast<std::size_t>(k)]);
      out.imag[r * bins + k] = to_float32(im[static_cast<std::size_t>(k)]);
    }
  }
  return out;
}

// Elementwise f(re, im) over two float32 tensors of one shape.
template <class F>
Tensor combine(const Tensor& re, const Tensor& im, F f) {
  if (re.shape() != im.shape()) {
    throw ValueError("spectrogram: real and imaginary parts differ in shape: " + shape_to_string(re.shape()) + " and " +
                     shape_to_string(im.shape()));
  }
  Tensor out(re.shape());
  for (std::int64_t i = 0; i < re.size(); ++i) out[i] = f(re[i], im[i]);
  return out;
}

}  // namespace

std::optional<WindowKind> window_from_name(std::string_view name) {
  if (name == "hann" || name == "han") return WindowKind::hann;
  if (name == "hamming" || name == "hamm" || name == "ham") return WindowKind::hamming;
  if (name == "boxcar" || name == "box" || name == "ones" || name == "rect" || name == "rectangular") {
    return WindowKind::boxcar;
  }
  return std::nullopt;
}

std::vector<double> window(WindowKind kind, std::int64_t length, bool periodic) {
  switch (kind) {
    case WindowKind::hann: return cosine_window(length, 0.5, periodic);
    case WindowKind::hamming: return cosine_window(length, 0.54, periodic);
    case WindowKind::boxcar: break;
  }
  return std::vector<double>(static_cast<std::size_t>(std::max<std::int64_t>(length, 0)), 1.0);
}

Tensor frame(const Tensor& x, std::int64_t frame_length, std::int64_t frame_step) {
  require_positive("frame", "frame_length", frame_length);
  require_positive("frame", "frame_step", frame_step);
  if (x.rank() < 1 || x.dim(-1) < frame_length) {
    throw ValueError("frame: the signal's last axis must hold at least frame_length=" + std::to_string(frame_length) +
                     " samples, got shape " + shape_to_string(x.shape()));
  }
  const std::int64_t time = x.dim(-1), frames = (time - frame_length) / frame_step + 1;
  const std::int64_t rows = x.size() / time;
  Shape shape(x.shape().begin(), x.shape().end() - 1);
  shape.push_back(frames);
  shape.push_back(frame_length);
  check_allocation(shape, dtype_size(x.dtype()), "frame");
  Tensor out = Tensor::empty(shape, x.dtype());
  const std::size_t item = dtype_size(x.dtype());
  const std::byte* src = x.bytes();
  std::byte* dst = out.mutable_bytes();
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t f = 0; f < frames; ++f) {
      const std::byte* start = src + static_cast<std::size_t>(r * time + f * frame_step) * item;
      dst = std::copy(start, start + static_cast<std::size_t>(frame_length) * item, dst);
    }
  }
  return out;
}

Tensor framed_product(const Tensor& signals, const Tensor& kernel, std::int64_t frame_step, Padding padding) {
  require_float32(signals, "framed_product");
  require_float32(kernel, "framed_product");
  require_positive("framed_product", "frame_step", frame_step);
  if (signals.rank() != 2 || kernel.rank() != 2) {
    throw ValueError("framed_product: expects signals (batch, time) and a kernel (frame_length, bins), got shapes " +
                     shape_to_string(signals.shape()) + " and " + shape_to_string(kernel.shape()));
  }
  if (padding == Padding::causal) throw NotSupportedError("framed_product: causal padding is not supported");
  const std::int64_t batch = signals.dim(0), time = signals.dim(1), length = kernel.dim(0), bins = kernel.dim(1);
  const std::int64_t frames = conv_output_length(time, length, frame_step, 1, padding);
  const std::int64_t before = conv_padding(time, length, frame_step, 1, padding).first;
  const Shape shape{batch, frames, bins};
  check_allocation(shape, sizeof(float), "framed_product");
  Tensor out(shape);
  std::vector<double> sums(static_cast<std::size_t>(bins));
  for (std::int64_t b = 0; b < batch; ++b) {
    const float* x = signals.data() + b * time;
    for (std::int64_t f = 0; f < frames; ++f) {
      std::fill(sums.begin(), sums.end(), 0.0);
      const std::int64_t start = f * frame_step - before;
      for (std::int64_t t = std::max<std::int64_t>(0, -start); t < length && start + t < time; ++t) {
        const double v = x[start + t];
        const float* k = kernel.data() + t * bins;
        for (std::int64_t j = 0; j < bins; ++j) sums[static_cast<std::size_t>(j)] += v * static_cast<double>(k[j]);
      }
      float* o = out.data() + (b * frames + f) * bins;
      for (std::int64_t j = 0; j < bins; ++j) o[j] = to_float32(sums[static_cast<std::size_t>(j)]);
    }
  }
  return out;
}

ComplexTensor stft(const Tensor& x, const StftOptions& o) {
  require_float32(x, "stft");
  require_positive("stft", "sequence_length", o.sequence_length);
  require_positive("stft", "sequence_stride", o.sequence_stride);
  if (o.fft_length < o.sequence_length) {
    throw ValueError("`fft_length` must equal or larger than `sequence_length`. Received: sequence_length=" +
                     std::to_string(o.sequence_length) + ", fft_length=" + std::to_string(o.fft_length));
  }
  if (x.rank() < 1) throw ValueError("stft: expects a signal of rank >= 1, got a scalar");
  const std::int64_t l_pad = (o.fft_length - o.sequence_length) / 2;
  std::vector<double> win(static_cast<std::size_t>(o.fft_length), 1.0);
  if (o.window) {
    if (static_cast<std::int64_t>(o.window->size()) != o.sequence_length) {
      throw ValueError("The shape of `window` must be equal to [sequence_length]. Received: window shape=(" +
                       std::to_string(o.window->size()) + ",)");
    }
    std::fill(win.begin(), win.end(), 0.0);
    std::copy(o.window->begin(), o.window->end(), win.begin() + l_pad);
  }
  const Tensor padded = o.center ? reflect_pad_last(x, o.fft_length / 2) : x;
  // scipy scales by 1 / sum(window) and Keras multiplies back by |sum(window)|: their sign remains.
  double sum = 0.0;
  for (double w : win) sum += w;
  if (sum < 0.0) std::transform(win.begin(), win.end(), win.begin(), [](double w) { return -w; });
  return real_dft(frame(padded, o.fft_length, o.sequence_stride), win);
}

std::optional<SpectrogramMode> spectrogram_mode_from_name(std::string_view name) {
  if (name == "log") return SpectrogramMode::log;
  if (name == "magnitude") return SpectrogramMode::magnitude;
  if (name == "psd") return SpectrogramMode::psd;
  if (name == "real") return SpectrogramMode::real;
  if (name == "imag") return SpectrogramMode::imag;
  if (name == "angle") return SpectrogramMode::angle;
  if (name == "stft") return SpectrogramMode::stft;
  return std::nullopt;
}

Tensor spectrogram(const Tensor* real, const Tensor* imag, SpectrogramMode mode, std::int64_t bin_axis) {
  if ((mode != SpectrogramMode::imag && !real) || (mode != SpectrogramMode::real && !imag)) {
    throw ValueError("spectrogram: this mode needs both the real and the imaginary part");
  }
  switch (mode) {
    case SpectrogramMode::real: return *real;
    case SpectrogramMode::imag: return *imag;
    case SpectrogramMode::angle: return combine(*real, *imag, [](float re, float im) { return std::atan2(im, re); });
    case SpectrogramMode::stft: return concatenate({*real, *imag}, bin_axis);
    default: break;
  }
  const Tensor power = combine(*real, *imag, [](float re, float im) { return re * re + im * im; });
  if (mode == SpectrogramMode::psd) {
    const std::int64_t bins = power.dim(bin_axis);
    if (bins <= 2) return power;
    const Tensor inner = slice_axis(power, bin_axis, 1, bins - 1);
    std::vector<std::pair<std::int64_t, std::int64_t>> pads(static_cast<std::size_t>(power.rank()), {0, 0});
    pads[static_cast<std::size_t>(power.normalize_axis(bin_axis))] = {1, 1};
    const Tensor doubled = pad(inner, pads);
    return combine(power, doubled, [](float p, float d) { return p + d; });
  }
  return combine(power, power, [mode](float p, float) {
    const float magnitude = std::sqrt(std::max(p, kEpsilon));
    return mode == SpectrogramMode::magnitude ? magnitude : std::log(std::max(magnitude, kEpsilon));
  });
}

Tensor linear_to_mel_weight_matrix(std::int64_t num_mel_bins, std::int64_t num_spectrogram_bins, double sampling_rate,
                                   double lower_edge_hertz, double upper_edge_hertz) {
  require_positive("linear_to_mel_weight_matrix", "num_mel_bins", num_mel_bins);
  require_positive("linear_to_mel_weight_matrix", "num_spectrogram_bins", num_spectrogram_bins);
  const auto to_mel = [](double hertz) { return 1127.0 * std::log(1.0 + hertz / 700.0); };
  const double nyquist = sampling_rate / 2.0;
  const double lower_mel = to_mel(lower_edge_hertz), upper_mel = to_mel(upper_edge_hertz);
  const double mel_step = (upper_mel - lower_mel) / static_cast<double>(num_mel_bins + 1);
  const Shape shape{num_spectrogram_bins, num_mel_bins};
  check_allocation(shape, sizeof(float), "linear_to_mel_weight_matrix");
  Tensor out(shape);
  // Row 0 (the DC bin) stays zero, as HTK's.
  for (std::int64_t s = 1; s < num_spectrogram_bins; ++s) {
    const double hertz = nyquist * static_cast<double>(s) / static_cast<double>(num_spectrogram_bins - 1);
    const double mel = to_mel(hertz);
    for (std::int64_t m = 0; m < num_mel_bins; ++m) {
      const double lower = lower_mel + mel_step * static_cast<double>(m);
      const double center = lower + mel_step, upper = center + mel_step;
      const double weight = std::min((mel - lower) / (center - lower), (upper - mel) / (upper - center));
      out[s * num_mel_bins + m] = to_float32(std::max(0.0, weight));
    }
  }
  return out;
}

Tensor power_to_db(const Tensor& power, double ref_power, double min_power, double top_db) {
  require_float32(power, "power_to_db");
  const double ref_db = 10.0 * std::log10(std::max(std::fabs(ref_power), min_power));
  Tensor out(power.shape());
  float top = -std::numeric_limits<float>::infinity();
  for (std::int64_t i = 0; i < power.size(); ++i) {
    out[i] = to_float32(10.0 * std::log10(std::max(static_cast<double>(power[i]), min_power)) - ref_db);
    top = std::isnan(out[i]) || std::isnan(top) ? std::numeric_limits<float>::quiet_NaN() : std::max(top, out[i]);
  }
  // numpy's max and maximum propagate NaN: one NaN power makes every value NaN.
  const float floor = to_float32(static_cast<double>(top) - top_db);
  for (float& v : out.values()) v = std::isnan(floor) ? floor : std::max(v, floor);
  return out;
}

}  // namespace kplug::ops
