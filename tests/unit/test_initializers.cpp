// keras.initializers: values against the Keras formulas (keras/src/initializers), worked
// out by hand, sample statistics of the random ones, configs and argument errors.
#define BOOST_TEST_MODULE initializers
#include <boost/test/unit_test.hpp>

#include "kplug/initializers.hpp"
#include "kplug/json.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <cmath>
#include <cstdint>

#include <sys/wait.h>
#include <unistd.h>

using namespace kplug;
using namespace kplug::initializers;
namespace tt = boost::test_tools;

namespace {

struct Moments {
  double mean = 0, stddev = 0, min = 0, max = 0;
};

Moments moments(const Tensor& t) {
  Moments m;
  double sum = 0, sum_sq = 0;
  m.min = m.max = t[0];
  for (float v : t.values()) {
    sum += v;
    sum_sq += static_cast<double>(v) * v;
    m.min = std::min(m.min, static_cast<double>(v));
    m.max = std::max(m.max, static_cast<double>(v));
  }
  const auto n = static_cast<double>(t.size());
  m.mean = sum / n;
  m.stddev = std::sqrt(sum_sq / n - m.mean * m.mean);
  return m;
}

std::string config_of(const Initializer& init) { return json::write(init.get_config()); }

std::shared_ptr<Initializer> load(const char* text) { return deserialize_as<Initializer>(json::parse(text)); }

// Max |A^T A - I| of a (rows x cols) row-major tensor, over columns (or rows when `rows`).
double orthogonality_error(const Tensor& t, std::int64_t rows, std::int64_t cols, bool by_rows, double norm2) {
  double worst = 0;
  const std::int64_t n = by_rows ? rows : cols, len = by_rows ? cols : rows;
  auto at = [&](std::int64_t vec, std::int64_t k) { return by_rows ? t[vec * cols + k] : t[k * cols + vec]; };
  for (std::int64_t a = 0; a < n; ++a) {
    for (std::int64_t b = 0; b < n; ++b) {
      double dot = 0;
      for (std::int64_t k = 0; k < len; ++k) dot += static_cast<double>(at(a, k)) * at(b, k);
      worst = std::max(worst, std::fabs(dot - (a == b ? norm2 : 0.0)));
    }
  }
  return worst;
}

}  // namespace

BOOST_AUTO_TEST_CASE(constant_initializers) {
  test::check_close(Zeros()({2, 2}), Tensor::matrix({{0, 0}, {0, 0}}));
  test::check_close(Ones()({3}), Tensor::vector({1, 1, 1}));
  test::check_close(Constant(Number::real(0.5))({1, 2}), Tensor::matrix({{0.5f, 0.5f}}));
  BOOST_TEST(Constant(Number::integer(3))({}).item() == 3.0f);  // rank 0: a scalar
  BOOST_TEST(Zeros()({0, 4}).size() == 0);
  BOOST_CHECK_THROW(Ones()({2, -1}), ValueError);
  // Configs keep 2 and 2.0 apart; Zeros and Ones have none.
  BOOST_TEST(config_of(Constant(Number::integer(2))) == R"({"value": 2})");
  BOOST_TEST(config_of(Constant()) == R"({"value": 0.0})");
  BOOST_TEST(config_of(Zeros()) == "{}");
  BOOST_CHECK_THROW(Constant(Number::real(std::nan(""))), ValueError);
  BOOST_CHECK_THROW(load(R"({"class_name": "Constant", "config": {"value": [1, 2]}})"), ConfigError);
}

BOOST_AUTO_TEST_CASE(identity_values_and_config) {
  test::check_close(Identity(Number::real(2.0))({2, 3}), Tensor::matrix({{2, 0, 0}, {0, 2, 0}}));
  test::check_close(Identity()({3, 2}), Tensor::matrix({{1, 0}, {0, 1}, {0, 0}}));
  BOOST_CHECK_THROW(Identity()({3}), ValueError);
  BOOST_CHECK_THROW(Identity()({2, 2, 2}), ValueError);
  // Keras writes {} (and loses a gain); kplug keeps a gain other than 1.
  BOOST_TEST(config_of(Identity()) == "{}");
  BOOST_TEST(config_of(Identity(Number::real(2.0))) == R"({"gain": 2.0})");
  auto loaded = load(R"({"class_name": "IdentityInitializer", "config": {"gain": 3}})");
  test::check_close((*loaded)({1, 1}), Tensor::matrix({{3}}));
  BOOST_TEST(json::write(serialize(loaded)) == R"({"module": "keras.initializers", "class_name": "Identity", )"
                                               R"("config": {"gain": 3}, "registered_name": null})");
}

BOOST_AUTO_TEST_CASE(seeds_make_values_repeatable) {
  const RandomNormal a(Number::real(0.0), Number::real(1.0), 42), b(Number::real(0.0), Number::real(1.0), 42);
  BOOST_TEST((a({4, 5}) == a({4, 5})));
  BOOST_TEST((a({4, 5}) == b({4, 5})));
  BOOST_TEST((!(a({4, 5}) == RandomNormal(Number::real(0.0), Number::real(1.0), 43)({4, 5}))));
  // seed None: one seed drawn per object, kept for every call; the config still says null.
  const GlorotUniform c, d;
  BOOST_TEST((c({8, 8}) == c({8, 8})));
  BOOST_TEST((!(c({8, 8}) == d({8, 8}))));
  BOOST_TEST(config_of(c) == R"({"seed": null, "input_axes": null, "output_axes": null})");
  const Orthogonal e;
  BOOST_TEST((e({5, 3}) == e({5, 3})));
  BOOST_TEST((!(e({5, 3}) == Orthogonal()({5, 3}))));
  // The generator is fixed (std::mt19937_64, whose first output for seed 0 is
  // 2947667278772165694, then 53-bit uniforms and Box-Muller), so a seed's values are the
  // same across runs and platforms: u = 2947667278772165694 / 2^64 = 0.15979336...;
  // normal = sqrt(-2 ln(1 - u1)) * (cos, sin)(2 pi u2) with u2 = 0.99214518.
  test::check_close(RandomUniform(Number::real(0.0), Number::real(1.0), 0)({3}),
                    Tensor::vector({0.15979336f, 0.99214518f, 0.03956902f}), 1e-6f);
  test::check_close(RandomNormal(Number::real(0.0), Number::real(1.0), 0)({2}),
                    Tensor::vector({0.5893788f, -0.0291114f}), 1e-5f);
}

BOOST_AUTO_TEST_CASE(forked_children_draw_their_own_seeds) {
  // seed None after fork: the child must not repeat the parent's next seed.
  const GlorotUniform before;  // the parent's seed source is in use
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    const std::uint64_t seed = GlorotUniform().effective_seed();
    const bool written = ::write(fds[1], &seed, sizeof seed) == static_cast<ssize_t>(sizeof seed);
    ::_exit(written ? 0 : 1);
  }
  std::uint64_t child_seed = 0;
  const bool read_ok = ::read(fds[0], &child_seed, sizeof child_seed) == static_cast<ssize_t>(sizeof child_seed);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(fds[0]);
  ::close(fds[1]);
  BOOST_REQUIRE(read_ok);
  BOOST_TEST(child_seed != GlorotUniform().effective_seed());
  BOOST_TEST(before.effective_seed() != child_seed);
}

BOOST_AUTO_TEST_CASE(random_normal_uniform_truncated_statistics) {
  const Moments normal = moments(RandomNormal(Number::real(0.1), Number::real(0.2), 1)({100000}));
  BOOST_TEST(normal.mean == 0.1, tt::tolerance(0.01 / 0.1));
  BOOST_TEST(std::fabs(normal.stddev - 0.2) < 0.005);

  const Moments uniform = moments(RandomUniform(Number::real(-0.1), Number::real(0.2), 2)({1000, 100}));
  BOOST_TEST(uniform.min >= -0.1f);
  BOOST_TEST(uniform.max < 0.2f);
  BOOST_TEST(uniform.min < -0.099);  // the whole range is reached
  BOOST_TEST(uniform.max > 0.199);
  BOOST_TEST(std::fabs(uniform.mean - 0.05) < 0.002);
  BOOST_TEST(std::fabs(uniform.stddev - 0.3 / std::sqrt(12.0)) < 0.002);

  // Truncated at 2 stddev: |x - mean| <= 2 stddev, stddev shrinks to 0.8796 of the parameter.
  const Moments truncated = moments(TruncatedNormal(Number::real(1.0), Number::real(0.5), 3)({100000}));
  BOOST_TEST(truncated.min >= 0.0);
  BOOST_TEST(truncated.max <= 2.0);
  BOOST_TEST(std::fabs(truncated.mean - 1.0) < 0.01);
  BOOST_TEST(std::fabs(truncated.stddev - 0.5 * 0.87962566103423978) < 0.005);

  // Degenerate but valid arguments.
  test::check_close(RandomUniform(Number::real(0.5), Number::real(0.5), 4)({2}), Tensor::vector({0.5f, 0.5f}));
  test::check_close(RandomNormal(Number::real(3.0), Number::real(0.0), 4)({2}), Tensor::vector({3.0f, 3.0f}));
  BOOST_TEST(RandomNormal()({0}).size() == 0);
}

BOOST_AUTO_TEST_CASE(random_argument_errors) {
  BOOST_CHECK_THROW(RandomNormal(Number::real(0.0), Number::real(-1.0)), ValueError);
  BOOST_CHECK_THROW(TruncatedNormal(Number::real(0.0), Number::real(INFINITY)), ValueError);
  BOOST_CHECK_THROW(RandomUniform(Number::real(1.0), Number::real(0.0)), ValueError);
  BOOST_CHECK_THROW(RandomUniform(Number::real(-1e308), Number::real(1e308)), ValueError);
  BOOST_CHECK_THROW(load(R"({"class_name": "RandomNormal", "config": {"seed": "x"}})"), ConfigError);
  BOOST_CHECK_THROW(load(R"({"class_name": "RandomNormal", "config": {"sead": 1}})"), ConfigError);
  BOOST_CHECK_THROW(load(R"({"class_name": "RandomNormal", "config": {"seed": {"class_name": "SeedGenerator"}}})"),
                    NotSupportedError);
  BOOST_CHECK_THROW(RandomUniform()({3, -2}), ValueError);
}

BOOST_AUTO_TEST_CASE(fans_as_keras_computes_them) {
  auto fans_are = [](const Fans& f, double in, double out) { return f.fan_in == in && f.fan_out == out; };
  BOOST_TEST(fans_are(compute_fans({}), 1, 1));
  BOOST_TEST(fans_are(compute_fans({5}), 5, 5));
  BOOST_TEST(fans_are(compute_fans({3, 4}), 3, 4));
  BOOST_TEST(fans_are(compute_fans({3, 3, 4, 5}), 36, 45));  // 3x3 conv: receptive field 9
  // Explicit axes: an attention kernel (d_model, heads, head_dim) in [0], out [1, 2].
  BOOST_TEST(fans_are(compute_fans({8, 2, 4}, {0}, {1, 2}), 8, 8));
  BOOST_TEST(fans_are(compute_fans({3, 8, 2, 4}, {-3}, {-2, -1}), 24, 24));  // axis 0 is a receptive field
  BOOST_CHECK_THROW(compute_fans({3, 4}, {2}, {1}), ValueError);
  BOOST_CHECK_THROW(compute_fans({3, 4}, {0}, {0}), ValueError);
  BOOST_CHECK_THROW(compute_fans({3, 4}, {0, -2}, {1}), ValueError);
}

BOOST_AUTO_TEST_CASE(glorot_he_lecun_limits_and_stddevs) {
  // GlorotUniform on (300, 200): limit sqrt(6 / (300 + 200)).
  const double glorot_limit = std::sqrt(6.0 / 500.0);
  const Moments glorot = moments(GlorotUniform(3)({300, 200}));
  BOOST_TEST(glorot.min >= -glorot_limit);
  BOOST_TEST(glorot.max < glorot_limit);
  BOOST_TEST(glorot.max > 0.999 * glorot_limit);
  BOOST_TEST(std::fabs(glorot.mean) < 0.001);
  BOOST_TEST(glorot.stddev == glorot_limit / std::sqrt(3.0), tt::tolerance(0.01));

  // HeNormal on (1000, 100): stddev sqrt(2 / 1000) after truncation, bound 2 * sqrt(2/1000) / 0.8796.
  const double he_stddev = std::sqrt(2.0 / 1000.0);
  const Moments he = moments(HeNormal(7)({1000, 100}));
  BOOST_TEST(he.stddev == he_stddev, tt::tolerance(0.01));
  BOOST_TEST(std::fabs(he.mean) < 0.001);
  BOOST_TEST(he.max <= 2.0 * he_stddev / 0.87962566103423978 + 1e-6);

  // HeUniform on a 3x3x16x32 conv kernel: fan_in = 144, limit sqrt(6 / 144).
  const Moments he_uniform = moments(HeUniform(1)({3, 3, 16, 32}));
  BOOST_TEST(he_uniform.max < std::sqrt(6.0 / 144.0));
  BOOST_TEST(he_uniform.max > 0.99 * std::sqrt(6.0 / 144.0));

  const Moments lecun_uniform = moments(LecunUniform(2)({400, 50}));
  BOOST_TEST(lecun_uniform.max > 0.99 * std::sqrt(3.0 / 400.0));
  BOOST_TEST(lecun_uniform.max < std::sqrt(3.0 / 400.0));
  BOOST_TEST(moments(LecunNormal(2)({400, 250})).stddev == std::sqrt(1.0 / 400.0), tt::tolerance(0.01));
  BOOST_TEST(moments(GlorotNormal(2)({400, 600})).stddev == std::sqrt(2.0 / 1000.0), tt::tolerance(0.01));

  // VarianceScaling, fan_out, untruncated normal, scale 2 on (10, 20000): stddev sqrt(2 / 20000).
  const VarianceScaling fan_out(Number::real(2.0), "fan_out", "untruncated_normal", 5);
  BOOST_TEST(moments(fan_out({10, 20000})).stddev == std::sqrt(2.0 / 20000.0), tt::tolerance(0.01));
  // Explicit axes change the fans: in [0] -> fan_in 64 instead of the heuristic 64 * 4.
  const VarianceScaling with_axes(Number::real(1.0), "fan_in", "uniform", 5, std::vector<std::int64_t>{0},
                                  std::vector<std::int64_t>{1, 2});
  BOOST_TEST(moments(with_axes({64, 4, 500})).max > 0.99 * std::sqrt(3.0 / 64.0));
  BOOST_TEST(moments(with_axes({64, 4, 500})).max < std::sqrt(3.0 / 64.0));
  // A fan of 0 is treated as 1 (Keras's max(1, fan)).
  BOOST_TEST(GlorotUniform(1)({0, 3}).size() == 0);
}

BOOST_AUTO_TEST_CASE(variance_scaling_arguments_and_config) {
  BOOST_CHECK_THROW(VarianceScaling(Number::real(0.0)), ValueError);
  BOOST_CHECK_THROW(VarianceScaling(Number::real(-1.0)), ValueError);
  BOOST_CHECK_THROW(VarianceScaling(Number::real(1.0), "fan_middle"), ValueError);
  BOOST_CHECK_THROW(VarianceScaling(Number::real(1.0), "fan_in", "gaussian"), ValueError);
  BOOST_CHECK_THROW(VarianceScaling(Number::real(1.0), "fan_in", "uniform", 1, std::vector<std::int64_t>{0}),
                    NotSupportedError);
  // "normal" means truncated_normal, any case, as Keras.
  BOOST_TEST(VarianceScaling(Number::real(1.0), "fan_in", "Normal").distribution() == "truncated_normal");
  auto loaded = load(R"({"class_name": "VarianceScaling", "config": {"seed": 11, "scale": 2, "mode": "fan_avg",
      "distribution": "uniform", "input_axes": [0], "output_axes": [1, -1]}})");
  BOOST_TEST(config_of(*loaded) == R"({"seed": 11, "scale": 2, "mode": "fan_avg", "distribution": "uniform", )"
                                   R"("input_axes": [0], "output_axes": [1, -1]})");
  // Axes beyond the shape fail at call time, naming the axes.
  BOOST_CHECK_THROW((*loaded)({4, 4}), ValueError);
  BOOST_CHECK_THROW(load(R"({"class_name": "GlorotUniform", "config": {"scale": 2.0}})"), ConfigError);
  BOOST_CHECK_THROW(load(R"({"class_name": "VarianceScaling", "config": {"mode": "fan_inn"}})"), ConfigError);
  BOOST_CHECK_THROW(load(R"({"class_name": "VarianceScaling", "config": {"scale": 0}})"), Error);
  BOOST_CHECK_THROW(load(R"({"class_name": "HeNormal", "config": {"input_axes": "x", "output_axes": null}})"),
                    ConfigError);
}

BOOST_AUTO_TEST_CASE(orthogonal_is_orthogonal) {
  // Tall: orthonormal columns. Wide: orthonormal rows.
  const Tensor tall = Orthogonal(Number::real(1.0), 9)({6, 4});
  BOOST_TEST(orthogonality_error(tall, 6, 4, false, 1.0) < 1e-5);
  const Tensor wide = Orthogonal(Number::real(1.0), 9)({4, 6});
  BOOST_TEST(orthogonality_error(wide, 4, 6, true, 1.0) < 1e-5);
  // Conv kernels are flattened to (prod(shape[:-1]), shape[-1]) = (18, 8); gain scales Q.
  const Tensor conv = Orthogonal(Number::real(1.5), 2)({3, 3, 2, 8});
  BOOST_TEST((conv.shape() == Shape{3, 3, 2, 8}));
  BOOST_TEST(orthogonality_error(conv, 18, 8, false, 2.25) < 1e-5);
  const Tensor square = Orthogonal(Number::real(1.0), 1)({5, 5});
  BOOST_TEST(orthogonality_error(square, 5, 5, false, 1.0) < 1e-5);
  BOOST_TEST(orthogonality_error(square, 5, 5, true, 1.0) < 1e-5);
  BOOST_CHECK_THROW(Orthogonal()({5}), ValueError);
  BOOST_CHECK_THROW(Orthogonal()({}), ValueError);
  BOOST_TEST(Orthogonal()({0, 3}).size() == 0);
  BOOST_TEST(config_of(Orthogonal(Number::real(1.5), 9)) == R"({"seed": 9, "gain": 1.5})");
}

BOOST_AUTO_TEST_CASE(stft_kernels) {
  // Shape (4, 1, 3): fft_length 4; symmetric hann of 4 = [0, 0.75, 0.75, 0], density scale
  // sqrt(2 * 0.75^2) so the window is [0, 1/sqrt2, 1/sqrt2, 0]; real = cos(-2 pi t f / 4).
  const float h = 1.0f / std::sqrt(2.0f);
  test::check_close(STFT()({4, 1, 3}), Tensor({4, 1, 3}, {0, 0, 0, h, 0, -h, h, -h, h, 0, 0, 0}));
  // imag = sin(-2 pi t f / 4): t = 1, f = 1 -> -1; multiples of pi -> 0.
  test::check_close(STFT("imag")({4, 1, 3}), Tensor({4, 1, 3}, {0, 0, 0, 0, -h, 0, 0, 0, 0, 0, 0, 0}));
  // Periodic hann of 4 = [0, 0.5, 1, 0.5], spectrum scaling (sum = 2): [0, 0.25, 0.5, 0.25].
  test::check_close(STFT("real", STFT::Window::named("hann"), std::string("spectrum"), true)({4, 1, 2}),
                    Tensor({4, 1, 2}, {0, 0, 0.25f, -0.25f, 0.5f, 0.5f, 0.25f, -0.25f}));
  // Symmetric hamming of 3 = [0.08, 1, 0.08], no scaling; fft_length 2: cos(-pi t f).
  test::check_close(STFT("real", STFT::Window::named("hamming"), std::nullopt)({3, 1, 2}),
                    Tensor({3, 1, 2}, {0.08f, 0.08f, 1.0f, -1.0f, 0.08f, 0.08f}));
  // No window: the bare cosines; explicit values; channels repeat the kernel.
  test::check_close(STFT("real", STFT::Window::none())({2, 1, 2}), Tensor({2, 1, 2}, {1, 1, 1, -1}));
  const auto three_four = STFT::Window::explicit_values({Number::integer(3), Number::integer(4)});
  test::check_close(STFT("real", three_four, std::string("density"))({2, 2, 2}),
                    Tensor({2, 2, 2}, {0.6f, 0.6f, 0.6f, 0.6f, 0.8f, -0.8f, 0.8f, -0.8f}));
  BOOST_CHECK_THROW(STFT()({4, 3}), ValueError);
  BOOST_CHECK_THROW(STFT()({4, 1, 1}), ValueError);  // Keras: 0/0 frequencies
  const auto three_ones = STFT::Window::explicit_values({Number::real(1), Number::real(1), Number::real(1)});
  BOOST_CHECK_THROW(STFT("real", three_ones)({2, 1, 2}), ValueError);  // 3 values for 2 frames
  const auto zeros = STFT::Window::explicit_values({Number::real(0), Number::real(0)});
  BOOST_CHECK_THROW(STFT("real", zeros)({2, 1, 2}), ValueError);  // nothing to scale by
  BOOST_CHECK_THROW(STFT("both"), ValueError);
  BOOST_CHECK_THROW(STFT("real", STFT::Window::named("hann"), std::string("power")), ValueError);
  BOOST_CHECK_THROW(STFT("real", STFT::Window::named("kaiser")), NotSupportedError);
  auto loaded = load(R"({"class_name": "STFTInitializer", "config": {"side": "imag", "window": [1, 0.5],
      "periodic": true, "scaling": null}})");
  BOOST_TEST(config_of(*loaded) == R"({"side": "imag", "window": [1, 0.5], "periodic": true, "scaling": null})");
}

BOOST_AUTO_TEST_CASE(names_and_aliases) {
  auto class_of = [](const char* text) { return json::write(serialize(load(text)).as_object().at("class_name")); };
  BOOST_TEST(class_of(R"("glorot_uniform")") == R"("GlorotUniform")");
  BOOST_TEST(class_of(R"("he_normal")") == R"("HeNormal")");
  BOOST_TEST(class_of(R"("uniform")") == R"("RandomUniform")");
  BOOST_TEST(class_of(R"("normal")") == R"("RandomNormal")");
  BOOST_TEST(class_of(R"("one")") == R"("Ones")");
  BOOST_TEST(class_of(R"("zero")") == R"("Zeros")");
  BOOST_TEST(class_of(R"("orthogonal")") == R"("Orthogonal")");
  BOOST_TEST(class_of(R"("identity")") == R"("Identity")");
  BOOST_TEST(class_of(R"("stft")") == R"("STFT")");
  BOOST_TEST(class_of(R"({"class_name": "OrthogonalInitializer", "config": {}})") == R"("Orthogonal")");
  BOOST_TEST(class_of(R"({"module": "keras.initializers", "class_name": "variance_scaling", "config": {}})") ==
             R"("VarianceScaling")");
}
