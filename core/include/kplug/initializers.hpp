// keras.initializers: tensors of a requested shape.
#pragma once

#include "kplug/config_reader.hpp"
#include "kplug/number.hpp"
#include "kplug/object.hpp"
#include "kplug/seed.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

class Initializer : public SerializableOfKind<Kind::initializer> {
 public:
  ~Initializer() override;
  // A new float32 tensor of `shape`. Seeded initializers give the same values on every call.
  virtual Tensor operator()(const Shape& shape) const = 0;
};

namespace initializers {

// ---- constant initializers (keras/src/initializers/constant_initializers.py) ----

class Zeros : public Initializer {
 public:
  Tensor operator()(const Shape& shape) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<Zeros> from_config(const boost::json::object& config, DeserializationContext& context);
};

class Ones : public Initializer {
 public:
  Tensor operator()(const Shape& shape) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<Ones> from_config(const boost::json::object& config, DeserializationContext& context);
};

// Every element is `value` (a scalar; Keras refuses anything else).
class Constant : public Initializer {
 public:
  explicit Constant(Number value = Number::real(0.0));
  Tensor operator()(const Shape& shape) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<Constant> from_config(const boost::json::object& config, DeserializationContext& context);
  Number value() const noexcept { return value_; }

 private:
  Number value_;
};

// gain * eye(rows, cols); 2-D shapes only (non-square allowed).
class Identity : public Initializer {
 public:
  explicit Identity(Number gain = Number::real(1.0));
  Tensor operator()(const Shape& shape) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<Identity> from_config(const boost::json::object& config, DeserializationContext& context);

 private:
  Number gain_;
};

// Conv kernel of a short-time Fourier transform, shape (frame_length, channels, fft_length // 2 + 1):
// cos (side "real") or sin (side "imag") of -2 pi t f / fft_length, times a normalised window.
class STFT : public Initializer {
 public:
  // The window: a scipy.signal name ("hann", "hamming", "boxcar"), explicit values, or none.
  struct Window {
    std::optional<std::string> name;
    std::optional<std::vector<Number>> values;  // used when `name` is empty; both empty: no window
    static Window named(std::string n) { return {std::move(n), std::nullopt}; }
    static Window explicit_values(std::vector<Number> v) { return {std::nullopt, std::move(v)}; }
    static Window none() { return {}; }
  };

  explicit STFT(std::string side = "real", Window window = Window::named("hann"),
                std::optional<std::string> scaling = std::string("density"), bool periodic = false);
  Tensor operator()(const Shape& shape) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<STFT> from_config(const boost::json::object& config, DeserializationContext& context);

 private:
  std::vector<double> window_values(std::int64_t frame_length) const;

  std::string side_;
  Window window_;
  std::optional<std::string> scaling_;
  bool periodic_;
};

// ---- random initializers (keras/src/initializers/random_initializers.py) ----

// The seed of a random initializer. An integer seed gives the same values on every call
// and every run. Keras 3 draws a seed once when the seed is None, so one object repeats
// itself while two objects differ; the config keeps writing `null`.
class RandomInitializer : public Initializer {
 public:
  const std::optional<Seed>& seed() const noexcept { return seed_; }
  // The seed the values are drawn from (the given one, or the one drawn at construction).
  std::uint64_t effective_seed() const noexcept { return effective_seed_; }

 protected:
  explicit RandomInitializer(std::optional<Seed> seed);
  // `seed`: an integer or null (a serialized SeedGenerator is not supported).

 private:
  std::optional<Seed> seed_;
  std::uint64_t effective_seed_;
};

// mean + stddev * N(0, 1).
class RandomNormal : public RandomInitializer {
 public:
  explicit RandomNormal(Number mean = Number::real(0.0), Number stddev = Number::real(0.05),
                        std::optional<Seed> seed = std::nullopt);
  Tensor operator()(const Shape& shape) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<RandomNormal> from_config(const boost::json::object& config, DeserializationContext& context);

 private:
  Number mean_, stddev_;
};

// Uniform in [minval, maxval).
class RandomUniform : public RandomInitializer {
 public:
  explicit RandomUniform(Number minval = Number::real(-0.05), Number maxval = Number::real(0.05),
                         std::optional<Seed> seed = std::nullopt);
  Tensor operator()(const Shape& shape) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<RandomUniform> from_config(const boost::json::object& config, DeserializationContext& context);

 private:
  Number minval_, maxval_;
};

// mean + stddev * z with z ~ N(0, 1) redrawn while |z| > 2 (Keras's truncated normal).
class TruncatedNormal : public RandomInitializer {
 public:
  explicit TruncatedNormal(Number mean = Number::real(0.0), Number stddev = Number::real(0.05),
                           std::optional<Seed> seed = std::nullopt);
  Tensor operator()(const Shape& shape) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<TruncatedNormal> from_config(const boost::json::object& config,
                                                      DeserializationContext& context);

 private:
  Number mean_, stddev_;
};

// Keras's compute_fans: (fan_in, fan_out) of a weight shape. Rank 0: (1, 1); rank 1:
// (n, n); rank 2: (rows, cols); higher ranks are conv kernels (..., in, out) whose leading
// dims form the receptive field that multiplies both.
struct Fans {
  double fan_in = 1.0;
  double fan_out = 1.0;
};
Fans compute_fans(const Shape& shape);
// Explicit axes (VarianceScaling's input_axes/output_axes): fan_in is the product of the
// input axes' dims, fan_out of the output axes', both times the product of the remaining
// dims (a receptive field). Axes may be negative; out of range, repeated or shared
// between the two lists -> ValueError.
Fans compute_fans(const Shape& shape, const std::vector<std::int64_t>& input_axes,
                  const std::vector<std::int64_t>& output_axes);

// Samples scaled to the fans: stddev (after truncation) or uniform limit from scale / n,
// n = fan_in, fan_out or their mean by `mode`.
class VarianceScaling : public RandomInitializer {
 public:
  using Axes = std::optional<std::vector<std::int64_t>>;

  // mode: fan_in | fan_out | fan_avg; distribution: truncated_normal | untruncated_normal |
  // uniform ("normal" means truncated_normal, case-insensitive as Keras). scale must be > 0.
  explicit VarianceScaling(Number scale = Number::real(1.0), std::string mode = "fan_in",
                           std::string distribution = "truncated_normal", std::optional<Seed> seed = std::nullopt,
                           Axes input_axes = std::nullopt, Axes output_axes = std::nullopt);
  Tensor operator()(const Shape& shape) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<VarianceScaling> from_config(const boost::json::object& config,
                                                      DeserializationContext& context);

  enum class Mode { fan_in, fan_out, fan_avg };
  enum class Distribution { truncated_normal, untruncated_normal, uniform };

  double scale() const noexcept { return scale_.value; }
  std::string_view mode() const noexcept;          // Keras's spelling: "fan_in", ...
  std::string_view distribution() const noexcept;  // "truncated_normal", "untruncated_normal", "uniform"
  // The fans this initializer uses for `shape` (explicit axes when given).
  Fans fans(const Shape& shape) const;

 protected:
  // The presets' parameters are fixed: no names to parse.
  VarianceScaling(Number scale, Mode mode, Distribution distribution, std::optional<Seed> seed, Axes input_axes,
                  Axes output_axes);
  // The config of the fixed-parameter subclasses (GlorotUniform, ...): seed and axes only.
  boost::json::object preset_config() const;
  struct PresetOptions {
    std::optional<Seed> seed;
    Axes input_axes, output_axes;
  };
  static PresetOptions read_preset(const boost::json::object& config, DeserializationContext& context,
                                   std::string_view class_name);

 private:
  Number scale_;
  Mode mode_;
  Distribution distribution_;
  Axes input_axes_, output_axes_;
};

// What a VarianceScaling preset passes to VarianceScaling, and its Keras class name.
struct VarianceScalingPresetParameters {
  std::string_view class_name;
  double scale;
  VarianceScaling::Mode mode;
  VarianceScaling::Distribution distribution;
};

// A VarianceScaling preset: fixed parameters P; its config holds only seed, input_axes and
// output_axes.
template <const VarianceScalingPresetParameters& P>
class VarianceScalingPreset final : public VarianceScaling {
 public:
  explicit VarianceScalingPreset(std::optional<Seed> seed = std::nullopt, Axes input_axes = std::nullopt,
                                 Axes output_axes = std::nullopt)
      : VarianceScaling(Number::real(P.scale), P.mode, P.distribution, seed, std::move(input_axes),
                        std::move(output_axes)) {}
  std::string class_name() const override { return std::string(P.class_name); }
  boost::json::object get_config() const override { return preset_config(); }
  static std::shared_ptr<VarianceScalingPreset> from_config(const boost::json::object& config,
                                                            DeserializationContext& context) {
    PresetOptions options = read_preset(config, context, P.class_name);
    return std::make_shared<VarianceScalingPreset>(options.seed, std::move(options.input_axes),
                                                   std::move(options.output_axes));
  }
};

// The parameters Keras's presets pass to VarianceScaling.
inline constexpr VarianceScalingPresetParameters kGlorotUniform{
    // limit sqrt(6 / (fan_in + fan_out))
    "GlorotUniform", 1.0, VarianceScaling::Mode::fan_avg, VarianceScaling::Distribution::uniform};
inline constexpr VarianceScalingPresetParameters kGlorotNormal{
    // stddev sqrt(2 / (fan_in + fan_out))
    "GlorotNormal", 1.0, VarianceScaling::Mode::fan_avg, VarianceScaling::Distribution::truncated_normal};
inline constexpr VarianceScalingPresetParameters kHeUniform{
    // limit sqrt(6 / fan_in)
    "HeUniform", 2.0, VarianceScaling::Mode::fan_in, VarianceScaling::Distribution::uniform};
inline constexpr VarianceScalingPresetParameters kHeNormal{
    // stddev sqrt(2 / fan_in)
    "HeNormal", 2.0, VarianceScaling::Mode::fan_in, VarianceScaling::Distribution::truncated_normal};
inline constexpr VarianceScalingPresetParameters kLecunUniform{
    // limit sqrt(3 / fan_in)
    "LecunUniform", 1.0, VarianceScaling::Mode::fan_in, VarianceScaling::Distribution::uniform};
inline constexpr VarianceScalingPresetParameters kLecunNormal{
    // stddev sqrt(1 / fan_in)
    "LecunNormal", 1.0, VarianceScaling::Mode::fan_in, VarianceScaling::Distribution::truncated_normal};

using GlorotUniform = VarianceScalingPreset<kGlorotUniform>;
using GlorotNormal = VarianceScalingPreset<kGlorotNormal>;
using HeUniform = VarianceScalingPreset<kHeUniform>;
using HeNormal = VarianceScalingPreset<kHeNormal>;
using LecunUniform = VarianceScalingPreset<kLecunUniform>;
using LecunNormal = VarianceScalingPreset<kLecunNormal>;

// gain * Q of the QR decomposition of a normal matrix (sign-corrected by diag(R)). Shapes
// of rank > 2 are flattened to (prod(shape[:-1]), shape[-1]); rank < 2 -> ValueError.
class Orthogonal : public RandomInitializer {
 public:
  explicit Orthogonal(Number gain = Number::real(1.0), std::optional<Seed> seed = std::nullopt);
  Tensor operator()(const Shape& shape) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<Orthogonal> from_config(const boost::json::object& config, DeserializationContext& context);

 private:
  Number gain_;
};

}  // namespace initializers
}  // namespace kplug
#pragma GCC visibility pop
