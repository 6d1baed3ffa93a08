// Regression, hinge, probabilistic, segmentation and Circle losses against values worked
// out by hand from the formulas of keras/src/losses/losses.py (eps = 1e-7), plus the
// reductions with sample weights. Configs and errors are in test_losses_regression_config.cpp.
#define BOOST_TEST_MODULE losses_regression
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/losses/regression.hpp"
#include "kplug/serialization.hpp"
#include "test_support.hpp"

#include <cmath>
#include <limits>

using namespace kplug;
using namespace kplug::losses;
namespace tt = boost::test_tools;

namespace {
const Tensor kTrue = Tensor::matrix({{1, 2}, {3, 4}});
const Tensor kPred = Tensor::matrix({{1, 1}, {1, 1}});  // errors [0, 1], [2, 3]
}  // namespace

BOOST_AUTO_TEST_CASE(mean_squared_and_absolute_error) {
  test::check_close(mean_squared_error(kTrue, kPred), Tensor::vector({0.5f, 6.5f}));
  test::check_close(mean_absolute_error(kTrue, kPred), Tensor::vector({0.5f, 2.5f}));
  BOOST_TEST(MeanSquaredError()(kTrue, kPred).item() == 3.5f, tt::tolerance(1e-6f));
  BOOST_TEST(MeanAbsoluteError()(kTrue, kPred).item() == 1.5f, tt::tolerance(1e-6f));
  test::check_close(mean_squared_error(kTrue, kTrue), Tensor::vector({0.0f, 0.0f}));
}

BOOST_AUTO_TEST_CASE(every_reduction_with_and_without_sample_weight) {
  const Tensor weights = Tensor::vector({2.0f, 0.5f});  // weighted per-sample losses: [1, 3.25]
  auto loss = [](std::optional<std::string> reduction) { return MeanSquaredError(std::move(reduction)); };
  BOOST_TEST(loss("sum_over_batch_size")(kTrue, kPred).item() == 3.5f, tt::tolerance(1e-6f));
  BOOST_TEST(loss("sum_over_batch_size")(kTrue, kPred, &weights).item() == 2.125f, tt::tolerance(1e-6f));
  BOOST_TEST(loss("mean")(kTrue, kPred).item() == 3.5f, tt::tolerance(1e-6f));
  BOOST_TEST(loss("mean")(kTrue, kPred, &weights).item() == 2.125f, tt::tolerance(1e-6f));
  BOOST_TEST(loss("sum")(kTrue, kPred).item() == 7.0f, tt::tolerance(1e-6f));
  BOOST_TEST(loss("sum")(kTrue, kPred, &weights).item() == 4.25f, tt::tolerance(1e-6f));
  // Without weights it divides by the number of values; with them, by their sum.
  BOOST_TEST(loss("mean_with_sample_weight")(kTrue, kPred).item() == 3.5f, tt::tolerance(1e-6f));
  BOOST_TEST(loss("mean_with_sample_weight")(kTrue, kPred, &weights).item() == 1.7f, tt::tolerance(1e-6f));
  test::check_close(loss("none")(kTrue, kPred), Tensor::vector({0.5f, 6.5f}));
  test::check_close(loss(std::nullopt)(kTrue, kPred, &weights), Tensor::vector({1.0f, 3.25f}));
  BOOST_TEST(loss(std::nullopt).reduction() == "none");
  // A (batch, 1) weight is squeezed to the losses' rank; zero weights give divide_no_nan's 0.
  const Tensor column = Tensor::matrix({{2.0f}, {0.5f}});
  BOOST_TEST(loss("sum")(kTrue, kPred, &column).item() == 4.25f, tt::tolerance(1e-6f));
  const Tensor zeros = Tensor::vector({0.0f, 0.0f});
  BOOST_TEST(loss("mean_with_sample_weight")(kTrue, kPred, &zeros).item() == 0.0f);
  // A scalar weight scales every sample.
  const Tensor half = Tensor::scalar(0.5f);
  BOOST_TEST(loss("sum")(kTrue, kPred, &half).item() == 3.5f, tt::tolerance(1e-6f));
  BOOST_CHECK_THROW(MeanSquaredError("avg"), ValueError);
}

BOOST_AUTO_TEST_CASE(rank_mismatch_is_squeezed_or_expanded) {
  // (2,) against (2, 1): the class expands y_true to (2, 1), so each sample averages one error.
  const Tensor t = Tensor::vector({0.5f, 1.0f});
  const Tensor p = Tensor::matrix({{1.0f}, {3.0f}});
  test::check_close(MeanSquaredError("none")(t, p), Tensor::vector({0.25f, 4.0f}));
  test::check_close(mean_squared_error(t, p), Tensor::vector({0.25f, 4.0f}));  // the function matches ranks too
  // (2, 2, 1) against (2, 2): the trailing 1 is dropped.
  const Tensor t3 = Tensor(Shape{2, 2, 1}, {1, 2, 3, 4});
  test::check_close(MeanAbsoluteError("none")(t3, kPred), Tensor::vector({0.5f, 2.5f}));
  // Shapes that do not broadcast are a ValueError, not a crash.
  BOOST_CHECK_THROW(MeanSquaredError()(Tensor::matrix({{1, 2, 3}}), kPred), ValueError);
  BOOST_CHECK_THROW(mean_squared_error(Tensor::scalar(1), Tensor::scalar(2)), ValueError);
}

BOOST_AUTO_TEST_CASE(empty_batches) {
  // Per-sample losses of shape (0,): Keras returns them unreduced.
  const Tensor empty(Shape{0, 3});
  BOOST_TEST(MeanSquaredError()(empty, empty).shape() == Shape{0});
  BOOST_TEST(MeanSquaredError("sum")(empty, empty).shape() == Shape{0});
  // Per-sample losses of shape (0, 2): the sum is 0 and divide_no_nan(0, 0) is 0.
  const Tensor empty3(Shape{0, 2, 3});
  BOOST_TEST(MeanSquaredError()(empty3, empty3).item() == 0.0f);
  BOOST_TEST(MeanSquaredError("mean")(empty3, empty3).item() == 0.0f);
  BOOST_TEST(Hinge("sum")(empty3, empty3).item() == 0.0f);
  // Dice over every axis of nothing: 1 - 0 / (0 + eps) = 1.
  BOOST_TEST(dice(empty, empty).item() == 1.0f);
}

BOOST_AUTO_TEST_CASE(mean_absolute_percentage_error_guards_zero_labels) {
  // |(2-1)/2| = |(-4+2)/4| = 0.5 -> 50; a zero label divides by eps: 100 * mean(1/eps, 0).
  const Tensor t = Tensor::matrix({{2, -4}, {0, 1}});
  const Tensor p = Tensor::matrix({{1, -2}, {1, 1}});
  const Tensor out = mean_absolute_percentage_error(t, p);
  BOOST_TEST(out[0] == 50.0f, tt::tolerance(1e-5f));
  BOOST_TEST(out[1] == 100.0f * 0.5f / 1e-7f, tt::tolerance(1e-5f));
  BOOST_TEST(MeanAbsolutePercentageError()(t, t).item() == 0.0f);
}

BOOST_AUTO_TEST_CASE(mean_squared_logarithmic_error_guards_non_positive_values) {
  // Values <= 0 count as eps: log(1 + eps) on both sides for the first pair, then (log 4 - log 2)^2.
  const Tensor out = mean_squared_logarithmic_error(Tensor::matrix({{0, 1}}), Tensor::matrix({{-1, 3}}));
  BOOST_TEST(out[0] == 0.2402265f, tt::tolerance(1e-5f));
  BOOST_TEST(std::isfinite(MeanSquaredLogarithmicError()(Tensor::matrix({{-5, 0}}), Tensor::matrix({{0, -9}})).item()));
}

BOOST_AUTO_TEST_CASE(cosine_similarity_along_an_axis) {
  // Keras's docstring example: [-0, -1, 1] (to float32 rounding).
  const Tensor t = Tensor::matrix({{0, 1}, {1, 1}, {1, 1}});
  const Tensor p = Tensor::matrix({{1, 0}, {1, 1}, {-1, -1}});
  test::check_close(cosine_similarity(t, p), Tensor::vector({0.0f, -1.0f, 1.0f}));
  BOOST_TEST(CosineSimilarity()(t, p).item() == 0.0f, tt::tolerance(1e-6f));
  // axis 0: columns (3, 4) vs (3, 4) -> -1, (0, 1) vs (0, -1) -> 1.
  const Tensor t0 = Tensor::matrix({{3, 0}, {4, 1}});
  const Tensor p0 = Tensor::matrix({{3, 0}, {4, -1}});
  test::check_close(CosineSimilarity(0, std::nullopt)(t0, p0), Tensor::vector({-1.0f, 1.0f}));
  // A zero vector has similarity 0 (the norm is capped by eps instead of dividing by 0).
  test::check_close(cosine_similarity(Tensor::matrix({{0, 0}}), Tensor::matrix({{1, 1}})), Tensor::vector({0.0f}));
  BOOST_CHECK_THROW(cosine_similarity(t, p, 2), ValueError);  // axis out of range
}

BOOST_AUTO_TEST_CASE(huber_switches_to_linear_beyond_delta) {
  // Keras's docstring example: errors 0.6, -0.6, 0.4, 0.6, all within delta 1.
  const Tensor t = Tensor::matrix({{0, 1}, {0, 0}});
  const Tensor p = Tensor::matrix({{0.6f, 0.4f}, {0.4f, 0.6f}});
  test::check_close(huber(t, p), Tensor::vector({0.18f, 0.13f}));
  BOOST_TEST(Huber()(t, p).item() == 0.155f, tt::tolerance(1e-5f));
  // delta 0.5: |0.6| > 0.5 gives 0.5 * 0.6 - 0.5 * 0.25 = 0.175.
  test::check_close(Huber(Number::real(0.5), std::nullopt)(t, p), Tensor::vector({0.175f, 0.1275f}));
  test::check_close(huber(t, p, 0.0), Tensor::vector({0.0f, 0.0f}));  // delta 0: everything is linear with slope 0
  BOOST_CHECK_THROW(Huber(Number::real(-1.0)), ValueError);
  BOOST_CHECK_THROW(huber(t, p, -0.5), ValueError);
}

BOOST_AUTO_TEST_CASE(log_cosh_is_stable_for_large_errors) {
  // Keras's docstring example: log(cosh(1)) / 2 for the first sample, 0 for the second.
  const Tensor t = Tensor::matrix({{0, 1}, {0, 0}});
  const Tensor p = Tensor::matrix({{1, 1}, {0, 0}});
  test::check_close(log_cosh(t, p), Tensor::vector({0.2168904f, 0.0f}));
  BOOST_TEST(LogCosh()(t, p).item() == 0.1084452f, tt::tolerance(1e-5f));
  // cosh(100) overflows float32; log(cosh(100)) = 100 - log 2 does not.
  test::check_close(log_cosh(Tensor::matrix({{0}}), Tensor::matrix({{100}})), Tensor::vector({99.306853f}));
  test::check_close(log_cosh(Tensor::matrix({{0}}), Tensor::matrix({{-100}})), Tensor::vector({99.306853f}));
}

BOOST_AUTO_TEST_CASE(hinge_losses) {
  // {0, 1} labels become {-1, 1}: max(1 + 0.3, 0), max(1 - 0.8, 0) / max(1 + 0.5), max(1 + 2).
  const Tensor t = Tensor::matrix({{0, 1}, {1, 0}});
  const Tensor p = Tensor::matrix({{0.3f, 0.8f}, {-0.5f, 2.0f}});
  test::check_close(hinge(t, p), Tensor::vector({0.75f, 2.25f}));
  test::check_close(squared_hinge(t, p), Tensor::vector({0.865f, 5.625f}));
  BOOST_TEST(Hinge()(t, p).item() == 1.5f, tt::tolerance(1e-6f));
  BOOST_TEST(SquaredHinge("sum")(t, p).item() == 6.49f, tt::tolerance(1e-5f));
  // -1/1 labels are used as they are, and so are labels that are not all 0 or 1.
  test::check_close(hinge(Tensor::matrix({{-1, 1}}), Tensor::matrix({{0.3f, 0.8f}})), Tensor::vector({0.75f}));
  test::check_close(hinge(Tensor::matrix({{2, 0}}), Tensor::matrix({{0.3f, 0.8f}})), Tensor::vector({0.7f}));
  // Categorical: max(max((1 - t) * p) - sum(t * p) + 1, 0).
  const Tensor ct = Tensor::matrix({{0, 1, 0}, {1, 0, 0}});
  const Tensor cp = Tensor::matrix({{0.2f, 0.5f, 0.3f}, {0.1f, 0.6f, 0.3f}});
  test::check_close(categorical_hinge(ct, cp), Tensor::vector({0.8f, 1.5f}));
  BOOST_TEST(CategoricalHinge()(ct, cp).item() == 1.15f, tt::tolerance(1e-6f));
  test::check_close(categorical_hinge(ct, Tensor::matrix({{0, 5, 0}, {5, 0, 0}})), Tensor::vector({0.0f, 0.0f}));
  BOOST_CHECK_THROW(categorical_hinge(Tensor(Shape{2, 0}), Tensor(Shape{2, 0})), ValueError);
}

BOOST_AUTO_TEST_CASE(kl_divergence_clips_to_eps) {
  // Row 0: 0.5 log(0.5/0.25) + 0.5 log(0.5/0.75); row 1: eps log(eps/0.5) + log(1/0.5).
  const Tensor t = Tensor::matrix({{0.5f, 0.5f}, {0.0f, 1.0f}});
  const Tensor p = Tensor::matrix({{0.25f, 0.75f}, {0.5f, 0.5f}});
  test::check_close(kl_divergence(t, p), Tensor::vector({0.1438410f, 0.6931456f}));
  BOOST_TEST(KLDivergence("sum")(t, p).item() == 0.1438410f + 0.6931456f, tt::tolerance(1e-5f));
  // y_pred 0 is clipped to eps, so the result stays finite.
  BOOST_TEST(std::isfinite(kl_divergence(Tensor::matrix({{1, 0}}), Tensor::matrix({{0, 1}}))[0]));
  test::check_close(kl_divergence(t, t), Tensor::vector({0.0f, 0.0f}));
}

BOOST_AUTO_TEST_CASE(poisson_guards_log_zero) {
  // mean(2 - log(2 + eps), 0 - 0 * log(eps)).
  test::check_close(poisson(Tensor::matrix({{1, 0}}), Tensor::matrix({{2, 0}})), Tensor::vector({0.6534264f}));
  // y_pred 0 with a count of 1: 0 - log(eps) = 16.118.
  test::check_close(poisson(Tensor::matrix({{1}}), Tensor::matrix({{0}})), Tensor::vector({16.118096f}), 1e-4f);
  BOOST_TEST(Poisson()(Tensor::matrix({{1, 0}}), Tensor::matrix({{2, 0}})).item() == 0.6534264f, tt::tolerance(1e-5f));
}

BOOST_AUTO_TEST_CASE(dice_and_tversky_over_axes) {
  // Keras's Dice docstring example (batch of two 2x2x1 masks).
  const Tensor t(Shape{2, 2, 2, 1}, {1, 1, 0, 0, 1, 1, 0, 0});
  const Tensor p(Shape{2, 2, 2, 1}, {0, 1, 0, 1, 0.4f, 0, 0, 0.9f});
  test::check_close(dice(t, p, std::vector<std::int64_t>{1, 2, 3}), Tensor::vector({0.5f, 0.7575758f}));
  BOOST_TEST(dice(t, p).rank() == 0);
  BOOST_TEST(dice(t, p).item() == 0.6164384f, tt::tolerance(1e-5f));
  test::check_close(Dice(std::nullopt, "dice", ReductionAxes::list({1, 2, 3}))(t, p),
                    Tensor::vector({0.5f, 0.7575758f}));
  BOOST_TEST(Dice()(t, p).item() == 0.6164384f, tt::tolerance(1e-5f));  // a scalar loss is not reduced further
  test::check_close(dice(t, p, std::vector<std::int64_t>{-1, -2, -3}), Tensor::vector({0.5f, 0.7575758f}));
  BOOST_CHECK_THROW(dice(t, p, std::vector<std::int64_t>{1, 1}), ValueError);  // repeated axis
  BOOST_CHECK_THROW(dice(t, p, std::vector<std::int64_t>{4}), ValueError);     // out of range

  // Keras's Tversky test: tp = 14, "fp" = sum((1 - p) t) = -8, "fn" = sum(p (1 - t)) = -2.
  const Tensor tt_ = Tensor::matrix({{1, 2}, {1, 2}});
  const Tensor tp = Tensor::matrix({{4, 1}, {6, 1}});
  BOOST_TEST(tversky(tt_, tp).item() == 1.0f - 14.0f / 9.0f, tt::tolerance(1e-5f));
  BOOST_TEST(Tversky(Number::real(0.2), Number::real(0.8))(tt_, tp).item() == 1.0f - 14.0f / 10.8f,
             tt::tolerance(1e-5f));
  // Binary masks, alpha 0.3, beta 0.7: 1 - 1 / (1 + 0.3 + 0.7).
  BOOST_TEST(tversky(Tensor::vector({1, 1, 0, 0}), Tensor::vector({1, 0, 1, 0}), 0.3, 0.7).item() == 0.5f,
             tt::tolerance(1e-6f));
  // alpha = beta = 0.5 is Dice.
  test::check_close(tversky(t, p, 0.5, 0.5, std::vector<std::int64_t>{1, 2, 3}), Tensor::vector({0.5f, 0.7575758f}));
}

namespace {
// Keras's CircleTest data (keras/src/losses/losses_test.py).
const Tensor kCircleLabels = Tensor::vector({1, 1, 2, 2, 3});
const Tensor kCircleEmbeddings = Tensor::matrix({{0.70014004f, -0.42008403f, 0.14002801f, 0.56011203f},
                                                 {0.17609018f, 0.70436073f, -0.52827054f, 0.44022545f},
                                                 {-0.34050261f, 0.25537696f, -0.68100522f, 0.59587957f},
                                                 {0.32163376f, -0.75047877f, 0.53605627f, -0.21442251f},
                                                 {0.51261459f, -0.34174306f, 0.17087153f, 0.76892189f}});
const Tensor kRefLabels = Tensor::vector({1, 1, 2, 2, 3, 4});
const Tensor kRefEmbeddings = Tensor::matrix({{0.40824829f, -0.54433105f, 0.27216553f, 0.68041382f},
                                              {0.76376261f, 0.10910895f, -0.54554473f, 0.32732684f},
                                              {-0.74420841f, 0.24806947f, 0.49613894f, -0.3721042f},
                                              {0.52981294f, -0.13245324f, 0.79471941f, -0.26490647f},
                                              {0.54554473f, -0.32732684f, 0.10910895f, 0.76376261f},
                                              {-0.27216553f, 0.68041382f, 0.40824829f, -0.54433105f}});
}  // namespace

BOOST_AUTO_TEST_CASE(circle_matches_keras_reference_values) {
  // Rows without a positive pair (labels 3 and 4 appear once) have loss 0.
  test::check_close(Circle(Number::real(80), Number::real(0.4), true, std::nullopt)(kRefLabels, kRefEmbeddings),
                    Tensor::vector({82.9116f, 36.7942f, 92.4590f, 52.6798f, 0.0f, 0.0f}), 1e-3f);
  BOOST_TEST(Circle(Number::real(80), Number::real(0.4), true, "sum")(kRefLabels, kRefEmbeddings).item() == 264.845f,
             tt::tolerance(1e-4f));
  // Against reference embeddings, keeping the diagonal.
  CircleOptions options;
  options.ref_labels = &kRefLabels;
  options.ref_embeddings = &kRefEmbeddings;
  options.remove_diagonal = false;
  test::check_close(circle(kCircleLabels, kCircleEmbeddings, options),
                    Tensor::vector({61.5844f, 94.3465f, 276.9344f, 90.9873f, 48.8963f}), 1e-3f);
}

BOOST_AUTO_TEST_CASE(circle_masks_rows_without_loss_before_reducing) {
  // The last row (label 3) has no positive: it is left out of the mean (sum / 4 valid rows).
  BOOST_TEST(Circle()(kCircleLabels, kCircleEmbeddings).item() == 188.3883f, tt::tolerance(1e-4f));
  BOOST_TEST(Circle(Number::integer(256), Number::real(0.25))(kCircleLabels, kCircleEmbeddings).item() == 652.7617f,
             tt::tolerance(1e-4f));
  const Tensor weights = Tensor::vector({2.0f, 2.0f, 1.0f, 1.0f, 0.5f});
  BOOST_TEST(Circle()(kCircleLabels, kCircleEmbeddings, &weights).item() == 244.91918f, tt::tolerance(1e-4f));
  const Circle weighted_mean(Number::real(80), Number::real(0.4), true, "mean_with_sample_weight");
  BOOST_TEST(weighted_mean(kCircleLabels, kCircleEmbeddings, &weights).item() == 163.27948f, tt::tolerance(1e-4f));
  // No valid row at all: every label distinct -> no positives -> 0, not NaN.
  BOOST_TEST(Circle()(Tensor::vector({1, 2}), Tensor::matrix({{1, 0}, {0, 1}})).item() == 0.0f);
  // Labels of shape (batch, 1) work as (batch,).
  BOOST_TEST(Circle()(kCircleLabels.reshape({5, 1}), kCircleEmbeddings).item() == 188.3883f, tt::tolerance(1e-4f));
  // The bare function returns the row's 0; the registered function form carries the mask
  // (Keras's circle sets it on its result), so reduced it agrees with the class.
  BOOST_TEST(circle(kCircleLabels, kCircleEmbeddings)[4] == 0.0f);
  BOOST_TEST(circle_mask(circle(kCircleLabels, kCircleEmbeddings))[4] == 0.0f);
  const auto circle_function = deserialize_as<Loss>(boost::json::value("circle"));
  BOOST_TEST((*circle_function)(kCircleLabels, kCircleEmbeddings).item() == 188.3883f, tt::tolerance(1e-4f));
  BOOST_TEST((*circle_function)(kCircleLabels, kCircleEmbeddings, &weights).item() == 244.91918f, tt::tolerance(1e-4f));
  BOOST_CHECK_THROW(circle(kCircleLabels, Tensor::vector({1, 2, 3, 4, 5})), ValueError);  // not (batch, dim)
  BOOST_CHECK_THROW(circle(Tensor::vector({1, 2}), kCircleEmbeddings), ValueError);       // label count
  BOOST_CHECK_THROW(circle(kCircleLabels, Tensor(Shape{5, 4}), {&kRefLabels, &kCircleEmbeddings}), ValueError);
}
