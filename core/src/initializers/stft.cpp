// STFT (keras/src/initializers/constant_initializers.py): conv kernels of a short-time
// Fourier transform; the scipy.signal windows are ops::window.
#include "kplug/allocation_budget.hpp"
#include "kplug/initializers.hpp"

#include "initializers/stft_window.hpp"
#include "kplug/config_fields.hpp"
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/ops/signal.hpp"

#include <cmath>
#include <numbers>

namespace kplug::initializers {

STFT::STFT(std::string side, Window window, std::optional<std::string> scaling, bool periodic)
    : side_(std::move(side)), window_(std::move(window)), scaling_(std::move(scaling)), periodic_(periodic) {
  if (side_ != "real" && side_ != "imag") throw ValueError("side should be 'real' or 'imag', not " + side_);
  if (window_.name && !ops::window_from_name(*window_.name)) {
    throw NotSupportedError("STFT window '" + *window_.name +
                            "' is not supported by kplug; use 'hann', 'hamming', 'boxcar', explicit window values "
                            "or null");
  }
  if (window_.values) {
    for (Number v : *window_.values) {
      if (!std::isfinite(v.value)) throw ValueError("STFT window values must be finite numbers");
    }
  }
  if (scaling_ && *scaling_ != "density" && *scaling_ != "spectrum") {
    throw ValueError("Scaling is invalid, it must be `None`, 'density' or 'spectrum'. Received scaling=" + *scaling_);
  }
}

std::vector<double> STFT::window_values(std::int64_t frame_length) const {
  if (window_.values) {
    if (static_cast<std::int64_t>(window_.values->size()) != frame_length) {
      throw ValueError("The shape of `window` must be equal to [frame_length]. Received: window shape=(" +
                       std::to_string(window_.values->size()) + ",), frame_length=" + std::to_string(frame_length));
    }
    std::vector<double> values;
    for (Number v : *window_.values) values.push_back(v.value);
    return values;
  }
  return ops::window(*ops::window_from_name(*window_.name), frame_length, periodic_);
}

Tensor STFT::operator()(const Shape& shape) const {
  if (shape.size() != 3) {
    throw ValueError(
        "STFT initializer expects a shape (frame_length, input_channels, fft_length // 2 + 1). "
        "Received: shape=" +
        shape_to_string(shape));
  }
  const std::int64_t frames = shape[0], channels = shape[1], bins = shape[2];
  check_allocation(shape, sizeof(float), "STFT initializer");
  Tensor out(shape);  // validates the dims
  // Keras divides by (bins - 1) * 2, which is 0 for one bin (NaN kernels): refused here.
  if (bins < 2) {
    throw ValueError("STFT initializer needs fft_length // 2 + 1 >= 2 frequency bins. Received: shape=" +
                     shape_to_string(shape));
  }
  if (out.size() == 0) return out;

  std::vector<double> window(static_cast<std::size_t>(frames), 1.0);
  double norm = 1.0;
  if (window_.name || window_.values) {
    window = window_values(frames);
    if (scaling_) {
      norm = 0.0;
      for (double w : window) norm += *scaling_ == "density" ? w * w : std::fabs(w);
      if (*scaling_ == "density") norm = std::sqrt(norm);
      if (norm == 0.0) throw ValueError("STFT window of all zeros cannot be scaled by '" + *scaling_ + "'");
    }
  }

  const double fft_length = static_cast<double>((bins - 1) * 2);
  float* data = out.data();
  // Keras's shape is (frames, 1, bins); the same kernel is repeated on every input channel.
  for (std::int64_t t = 0; t < frames; ++t) {
    const double weight = window[static_cast<std::size_t>(t)] / norm;
    for (std::int64_t c = 0; c < channels; ++c) {
      for (std::int64_t f = 0; f < bins; ++f) {
        const double arg = -2.0 * static_cast<double>(t) * (static_cast<double>(f) / fft_length) * std::numbers::pi;
        const double value = side_ == "real" ? std::cos(arg) : std::sin(arg);
        *data++ = to_float32(value * weight);
      }
    }
  }
  return out;
}

namespace {

struct STFTOptions {
  std::string side = "real";
  STFT::Window window = STFT::Window::named("hann");
  bool periodic = false;
  std::optional<std::string> scaling = std::string("density");
};

const config::Fields<STFTOptions>& stft_fields() {
  static const config::Fields<STFTOptions> fields{
      config::field("side", &STFTOptions::side).check(config::one_of({"real", "imag"})),
      config::field("window", &STFTOptions::window), config::field("periodic", &STFTOptions::periodic),
      config::field("scaling", &STFTOptions::scaling).check([](const std::optional<std::string>& scaling) {
        if (!scaling) return std::string();
        return config::one_of({"density", "spectrum"})(*scaling);
      })};
  return fields;
}

}  // namespace

boost::json::object STFT::get_config() const { return stft_fields().write({side_, window_, periodic_, scaling_}); }

std::shared_ptr<STFT> STFT::from_config(const boost::json::object& config, DeserializationContext& context) {
  STFTOptions a = stft_fields().read(config, context, "STFT");
  return std::make_shared<STFT>(std::move(a.side), std::move(a.window), std::move(a.scaling), a.periodic);
}

}  // namespace kplug::initializers

namespace kplug::config {

initializers::STFT::Window Codec<initializers::STFT::Window>::read(ConfigReader& r, std::string_view key,
                                                                   const boost::json::value& v) {
  using Window = initializers::STFT::Window;
  if (v.is_null()) return Window::none();
  if (v.is_string()) return Window::named(std::string(v.get_string()));
  if (!v.is_array()) r.fail(key, "expected a window name, a list of window values or null");
  return Window::explicit_values(Codec<std::vector<Number>>::read(r, key, v));
}

boost::json::value Codec<initializers::STFT::Window>::write(const initializers::STFT::Window& w) {
  if (w.name) return boost::json::string(*w.name);
  if (w.values) return Codec<std::vector<Number>>::write(*w.values);
  return nullptr;
}

}  // namespace kplug::config
