// Cross-entropy losses and CTC against values worked out from the Keras formulas
// (keras/src/losses/losses.py, keras/src/backend/numpy/nn.py) with python3's math module;
// CTC against a brute-force enumeration of every alignment.
#define BOOST_TEST_MODULE losses_crossentropy
#include <boost/test/unit_test.hpp>

#include "kplug/losses/crossentropy.hpp"
#include "test_support.hpp"

#include <cmath>

using namespace kplug;
using namespace kplug::losses;
namespace tt = boost::test_tools;

namespace {
Tensor sigmoid_of(const Tensor& x) { return x.sigmoid(); }
Tensor softmax_rows(const Tensor& logits) {
  const Tensor e = (logits - logits.max(-1, true)).exp();
  return e / e.sum(-1, true);
}
bool all_finite(const Tensor& t) {
  for (float v : t.values()) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}
}  // namespace

// --- binary -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(binary_crossentropy_values) {
  // Keras's docstring example: mean over the last axis of -[y log p + (1 - y) log(1 - p)].
  const Tensor y_true = Tensor::matrix({{0, 1}, {0, 0}});
  const Tensor y_pred = Tensor::matrix({{0.6f, 0.4f}, {0.4f, 0.6f}});
  test::check_close(binary_crossentropy(y_true, y_pred), Tensor::vector({0.9162907f, 0.7135582f}));
  BOOST_TEST(BinaryCrossentropy()(y_true, y_pred).item() == (0.9162907f + 0.7135582f) / 2, tt::tolerance(1e-5f));
  // Label smoothing 0.2: targets 0.9 and 0.1.
  test::check_close(binary_crossentropy(Tensor::vector({1, 0}), Tensor::vector({0.9f, 0.2f}), false, 0.2),
                    Tensor::scalar(0.34342798f));
  // axis 0: the mean runs down the columns.
  test::check_close(binary_crossentropy(Tensor::matrix({{0, 1}, {1, 1}}), Tensor::matrix({{0.2f, 0.7f}, {0.6f, 0.9f}}),
                                        false, 0.0, 0),
                    Tensor::vector({0.36698459f, 0.23101773f}));
}

BOOST_AUTO_TEST_CASE(binary_crossentropy_from_logits) {
  // Keras's docstring: 0.865, through the stable log-sigmoid form (no saturation at -18.6).
  const Tensor y_true = Tensor::vector({0, 1, 0, 0});
  const Tensor logits = Tensor::vector({-18.6f, 0.51f, 2.94f, -12.8f});
  BOOST_TEST(binary_crossentropy(y_true, logits, true).item() == 0.86545795f, tt::tolerance(1e-5f));
  // Moderate logits agree with the probability form.
  const Tensor moderate = Tensor::matrix({{-2.0f, 0.5f, 3.0f}, {1.0f, -0.25f, 0.0f}});
  const Tensor labels = Tensor::matrix({{0, 1, 1}, {1, 0, 0.5f}});
  test::check_close(binary_crossentropy(labels, moderate, true), binary_crossentropy(labels, sigmoid_of(moderate)));
  // Huge logits stay finite.
  BOOST_TEST(all_finite(binary_crossentropy(Tensor::vector({1, 0}), Tensor::vector({-1e30f, 1e30f}), true)));
}

BOOST_AUTO_TEST_CASE(binary_crossentropy_extreme_probabilities_are_clipped) {
  // p = 0 with y = 1 and p = 1 with y = 0: clipped to 1e-7 and 1 - 1e-7 (float32), so
  // -log(1e-7) = 16.1181 and -log(1 - 0.99999988) = 15.9424, no inf.
  const Tensor loss = binary_crossentropy(Tensor::vector({1, 0}), Tensor::vector({0, 1}));
  BOOST_TEST(all_finite(loss));
  BOOST_TEST(loss.item() == 16.0302404f, tt::tolerance(1e-4f));
  // Perfect predictions give (almost) nothing.
  BOOST_TEST(binary_crossentropy(Tensor::vector({1, 0}), Tensor::vector({1, 0})).item() < 1e-6f);
}

BOOST_AUTO_TEST_CASE(binary_focal_crossentropy_values) {
  // Keras's docstring example with gamma = 2: [0.330, 0.206].
  const Tensor y_true = Tensor::matrix({{0, 1}, {0, 0}});
  const Tensor y_pred = Tensor::matrix({{0.6f, 0.4f}, {0.4f, 0.6f}});
  test::check_close(binary_focal_crossentropy(y_true, y_pred), Tensor::vector({0.32986466f, 0.20579838f}));
  // Docstring, from logits with gamma = 4, reduction "sum": 1.222; class balanced: 0.914.
  const Tensor logits = Tensor::matrix({{-18.6f, 0.51f}, {2.94f, -12.8f}});
  const BinaryFocalCrossentropy plain(false, Number::integer(0), Number::real(4.0), {true}, "sum");
  BOOST_TEST(plain(y_true, logits).item() == 1.22188064f, tt::tolerance(1e-5f));
  const BinaryFocalCrossentropy balanced(true, Number::real(0.25), Number::real(4.0), {true}, "sum");
  BOOST_TEST(balanced(y_true, logits).item() == 0.91408052f, tt::tolerance(1e-5f));
  // alpha 0.3, gamma 3, balanced: weights 0.3 for class 1, 0.7 for class 0.
  test::check_close(binary_focal_crossentropy(Tensor::vector({1, 0}), Tensor::vector({0.7f, 0.4f}), true, 0.3, 3.0),
                    Tensor::scalar(0.012887027f));
  // gamma 0 without balancing is plain binary crossentropy.
  test::check_close(binary_focal_crossentropy(y_true, y_pred, false, 0.25, 0.0), binary_crossentropy(y_true, y_pred));
  BOOST_TEST(all_finite(binary_focal_crossentropy(Tensor::vector({1, 0}), Tensor::vector({0, 1}))));
}

// --- categorical ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(categorical_crossentropy_values_and_reductions) {
  // Keras's docstring: [0.0513, 2.303]; mean 1.177; sample weights [0.3, 0.7] -> 0.814; sum 2.354.
  const Tensor y_true = Tensor::matrix({{0, 1, 0}, {0, 0, 1}});
  const Tensor y_pred = Tensor::matrix({{0.05f, 0.95f, 0.0f}, {0.1f, 0.8f, 0.1f}});
  const Tensor per_sample = Tensor::vector({0.05129329f, 2.30258509f});
  test::check_close(categorical_crossentropy(y_true, y_pred), per_sample);
  const Tensor weights = Tensor::vector({0.3f, 0.7f});
  BOOST_TEST(CategoricalCrossentropy()(y_true, y_pred).item() == 1.17693919f, tt::tolerance(1e-5f));
  BOOST_TEST(CategoricalCrossentropy()(y_true, y_pred, &weights).item() == 0.81359878f, tt::tolerance(1e-5f));
  BOOST_TEST(CategoricalCrossentropy({}, "sum")(y_true, y_pred).item() == 2.35387839f, tt::tolerance(1e-5f));
  BOOST_TEST(CategoricalCrossentropy({}, "mean")(y_true, y_pred).item() == 1.17693919f, tt::tolerance(1e-5f));
  // mean_with_sample_weight divides by the weights' sum (1.0 here).
  BOOST_TEST(CategoricalCrossentropy({}, "mean_with_sample_weight")(y_true, y_pred, &weights).item() == 1.62719755f,
             tt::tolerance(1e-5f));
  test::check_close(CategoricalCrossentropy({}, "none")(y_true, y_pred), per_sample);
  test::check_close(CategoricalCrossentropy({}, std::nullopt)(y_true, y_pred), per_sample);
}

BOOST_AUTO_TEST_CASE(categorical_crossentropy_normalises_smooths_and_takes_logits) {
  // Probabilities that do not sum to 1 are rescaled first: [1, 2, 1] -> [0.25, 0.5, 0.25].
  BOOST_TEST(categorical_crossentropy(Tensor::vector({0, 1, 0}), Tensor::vector({1, 2, 1})).item() == 0.69314718f,
             tt::tolerance(1e-5f));
  // Label smoothing 0.1 over 3 classes: [0.0333, 0.9333, 0.0333].
  BOOST_TEST(
      categorical_crossentropy(Tensor::vector({0, 1, 0}), Tensor::vector({0.2f, 0.7f, 0.1f}), false, 0.1).item() ==
          0.46329738f,
      tt::tolerance(1e-5f));
  // Logits through log-softmax; the same as their softmax as probabilities.
  const Tensor logits = Tensor::matrix({{1.0f, 2.0f, 3.0f}, {1.0f, -1.0f, 0.5f}});
  const Tensor labels = Tensor::matrix({{0, 0, 1}, {0.2f, 0.3f, 0.5f}});
  test::check_close(categorical_crossentropy(labels, logits, true), Tensor::vector({0.40760596f, 1.40495692f}));
  test::check_close(categorical_crossentropy(labels, softmax_rows(logits)), Tensor::vector({0.40760596f, 1.40495692f}));
  // axis 0 on the transpose gives the same per-sample losses.
  test::check_close(categorical_crossentropy(labels.transpose(), logits.transpose(), true, 0.0, 0),
                    Tensor::vector({0.40760596f, 1.40495692f}));
  // A 0 and a 1 in the prediction are clipped: finite.
  BOOST_TEST(all_finite(categorical_crossentropy(Tensor::vector({1, 0}), Tensor::vector({0, 1}))));
  BOOST_TEST(categorical_crossentropy(Tensor::vector({1, 0}), Tensor::vector({0, 1})).item() == 16.1180956f,
             tt::tolerance(1e-4f));
}

BOOST_AUTO_TEST_CASE(categorical_focal_crossentropy_values) {
  // Keras's docstring: [3.2058331e-05, 4.6627346e-01], mean 0.23315276.
  const Tensor y_true = Tensor::matrix({{0, 1, 0}, {0, 0, 1}});
  const Tensor y_pred = Tensor::matrix({{0.05f, 0.95f, 0.0f}, {0.1f, 0.8f, 0.1f}});
  test::check_close(categorical_focal_crossentropy(y_true, y_pred), Tensor::vector({3.2058309e-05f, 0.46627348f}));
  BOOST_TEST(CategoricalFocalCrossentropy()(y_true, y_pred).item() == 0.23315277f, tt::tolerance(1e-5f));
  // One alpha per class: the true class's alpha weighs its term.
  const Tensor p = Tensor::vector({0.2f, 0.5f, 0.3f});
  test::check_close(categorical_focal_crossentropy(Tensor::vector({0, 1, 0}), p, {0.1, 0.2, 0.3}),
                    Tensor::scalar(0.03465736f));
  test::check_close(categorical_focal_crossentropy(Tensor::vector({0, 0, 1}), p, {0.1, 0.2, 0.3}, 1.0),
                    Tensor::scalar(0.25283429f));
  BOOST_CHECK_THROW(categorical_focal_crossentropy(Tensor::vector({0, 0, 1}), p, {0.1, 0.2}), ValueError);
  // Logits go through softmax.
  test::check_close(
      categorical_focal_crossentropy(Tensor::vector({0, 1, 0}), Tensor::vector({1.0f, 2.0f, 0.5f}), {0.25}, 2.0, true),
      Tensor::scalar(0.01601941f));
  // alpha 1, gamma 0 is categorical crossentropy.
  test::check_close(categorical_focal_crossentropy(y_true, y_pred, {1.0}, 0.0),
                    categorical_crossentropy(y_true, y_pred));
}

// --- sparse -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(sparse_categorical_crossentropy_values) {
  const Tensor y_pred = Tensor::matrix({{0.05f, 0.95f, 0.0f}, {0.1f, 0.8f, 0.1f}});
  const Tensor expected = Tensor::vector({0.05129329f, 2.30258509f});
  test::check_close(sparse_categorical_crossentropy(Tensor::vector({1, 2}), y_pred), expected);
  // A trailing 1 in the labels is dropped.
  test::check_close(sparse_categorical_crossentropy(Tensor::matrix({{1}, {2}}), y_pred), expected);
  BOOST_TEST(SparseCategoricalCrossentropy()(Tensor::matrix({{1}, {2}}), y_pred).item() == 1.17693919f,
             tt::tolerance(1e-5f));
  // Logits agree with the one-hot categorical form.
  const Tensor logits = Tensor::matrix({{1.0f, 2.0f, 3.0f}, {1.0f, -1.0f, 0.5f}});
  test::check_close(sparse_categorical_crossentropy(Tensor::vector({2, 0}), logits, true),
                    categorical_crossentropy(Tensor::matrix({{0, 0, 1}, {1, 0, 0}}), logits, true));
  // Labels must be integer class ids in range.
  BOOST_CHECK_THROW(sparse_categorical_crossentropy(Tensor::vector({1, 3}), y_pred), ValueError);
  BOOST_CHECK_THROW(sparse_categorical_crossentropy(Tensor::vector({-1, 0}), y_pred), ValueError);
  BOOST_CHECK_THROW(sparse_categorical_crossentropy(Tensor::vector({0.5f, 0}), y_pred), ValueError);
  BOOST_CHECK_THROW(sparse_categorical_crossentropy(Tensor::vector({1, 2, 0}), y_pred), ValueError);
  try {
    sparse_categorical_crossentropy(Tensor::vector({7, 0}), y_pred);
  } catch (const ValueError& e) {
    BOOST_TEST(std::string(e.what()).find("7") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(sparse_categorical_crossentropy_ignore_class_masks_the_mean) {
  const Tensor logits = Tensor::matrix({{1.0f, 2.0f, 0.5f}, {0.3f, 0.3f, 0.3f}, {2.0f, 0.0f, -1.0f}});
  const Tensor y_true = Tensor::vector({1, -1, 0});  // the -1 is ignored, even out of range
  const Tensor per_sample = Tensor::vector({0.46436878f, 0.0f, 0.16984602f});
  test::check_close(sparse_categorical_crossentropy(y_true, logits, true, -1), per_sample);
  // sum_over_batch_size divides by the 2 kept entries, not 3.
  const SparseCategoricalCrossentropy loss(true, -1);
  BOOST_TEST(loss(y_true, logits).item() == 0.31710740f, tt::tolerance(1e-5f));
  BOOST_TEST(SparseCategoricalCrossentropy(true, -1, -1, "sum")(y_true, logits).item() == 0.63421480f,
             tt::tolerance(1e-5f));
  test::check_close(SparseCategoricalCrossentropy(true, -1, -1, "none")(y_true, logits), per_sample);
  // With sample weights: (2 * 0.4644 + 0.5 * 0.1698) / 2 kept.
  const Tensor weights = Tensor::vector({2.0f, 9.0f, 0.5f});
  BOOST_TEST(loss(y_true, logits, &weights).item() == (2.0f * 0.46436878f + 0.5f * 0.16984602f) / 2.0f,
             tt::tolerance(1e-5f));
  // Everything ignored: 0, not NaN.
  BOOST_TEST(loss(Tensor::vector({-1, -1, -1}), logits).item() == 0.0f);
  // Probabilities: the ignored row may even be all zeros.
  const Tensor probabilities = Tensor::matrix({{0.2f, 0.8f}, {0.0f, 0.0f}});
  test::check_close(SparseCategoricalCrossentropy(false, 5, -1, "none")(Tensor::vector({1, 5}), probabilities),
                    Tensor::vector({0.22314355f, 0.0f}));
}

BOOST_AUTO_TEST_CASE(categorical_generalized_cross_entropy_values) {
  // Keras's docstring inputs with q = 0.1: (1 - p^q) / q per sample.
  const Tensor y_true = Tensor::vector({0, 1, 0, 1});
  const Tensor y_pred = Tensor::matrix({{0.7f, 0.3f}, {0.2f, 0.8f}, {0.6f, 0.4f}, {0.4f, 0.6f}});
  test::check_close(categorical_generalized_cross_entropy(y_true, y_pred, 0.1),
                    Tensor::vector({0.35038905f, 0.22067231f, 0.49799783f, 0.49799783f}));
  BOOST_TEST(CategoricalGeneralizedCrossEntropy(Number::real(0.1))(y_true, y_pred).item() == 0.39176426f,
             tt::tolerance(1e-5f));
  // (batch, 1) labels work too; p = 1 gives 0.
  test::check_close(categorical_generalized_cross_entropy(Tensor::matrix({{1}}), Tensor::matrix({{0.0f, 1.0f}}), 0.5),
                    Tensor::vector({0.0f}));
  BOOST_CHECK_THROW(categorical_generalized_cross_entropy(Tensor::vector({2}), Tensor::matrix({{0.5f, 0.5f}}), 0.5),
                    ValueError);
  BOOST_CHECK_THROW(CategoricalGeneralizedCrossEntropy(Number::real(1.0)), ValueError);
  BOOST_CHECK_THROW(CategoricalGeneralizedCrossEntropy(Number::integer(0)), ValueError);
}

// --- CTC ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(ctc_two_steps_by_hand) {
  // 2 time steps, classes {blank 0, 1}, label "1". The alignments that collapse to "1" are
  // (1,1), (0,1) and (1,0): loss = -log(p0(1) p1(1) + p0(0) p1(1) + p0(1) p1(0)) with p the
  // softmax of the logits per step.
  const Tensor logits({1, 2, 2}, {0.5f, 1.0f, 1.5f, -0.5f});
  const auto p = [&](int t, int c) {
    const float a = logits[t * 2], b = logits[t * 2 + 1];
    return std::exp(logits[t * 2 + c]) / (std::exp(a) + std::exp(b));
  };
  const float by_hand = -std::log(p(0, 1) * p(1, 1) + p(0, 0) * p(1, 1) + p(0, 1) * p(1, 0));
  BOOST_TEST(by_hand == 0.40427090f, tt::tolerance(1e-5f));
  // Padding blanks after the label do not change it.
  test::check_close(ctc(Tensor::matrix({{1, 0, 0}}), logits), Tensor::vector({by_hand}));
  test::check_close(ctc(Tensor::matrix({{1}}), logits), Tensor::vector({by_hand}));
}

BOOST_AUTO_TEST_CASE(ctc_three_steps_against_every_alignment) {
  // 3 time steps, 3 classes; expected values from summing all 27 paths that collapse to the label.
  const Tensor logits({1, 3, 3}, {0.2f, 0.9f, -0.3f, 1.1f, 0.1f, 0.4f, -0.5f, 0.8f, 0.6f});
  // "1 1" has the single alignment (1, 0, 1): a repeat needs a blank in between.
  test::check_close(ctc(Tensor::matrix({{1, 1}}), logits), Tensor::vector({1.94729429f}));
  test::check_close(ctc(Tensor::matrix({{1, 2}}), logits), Tensor::vector({1.35319507f}));
  test::check_close(ctc(Tensor::matrix({{2, 0}}), logits), Tensor::vector({2.02961632f}));
  // The empty label: blanks all the way.
  test::check_close(ctc(Tensor::matrix({{0, 0}}), logits), Tensor::vector({3.94729429f}));
  // A batch of them, reduced.
  Tensor batch({2, 3, 3});
  for (std::int64_t i = 0; i < 9; ++i) batch[i] = batch[9 + i] = logits[i];
  const Tensor labels = Tensor::matrix({{1, 2}, {1, 1}});
  test::check_close(ctc(labels, batch), Tensor::vector({1.35319507f, 1.94729429f}));
  BOOST_TEST(CTC()(labels, batch).item() == (1.35319507f + 1.94729429f) / 2, tt::tolerance(1e-5f));
  BOOST_TEST(CTC("sum")(labels, batch).item() == 1.35319507f + 1.94729429f, tt::tolerance(1e-5f));
}

BOOST_AUTO_TEST_CASE(ctc_edge_cases_and_errors) {
  const Tensor logits({1, 2, 2}, {0.5f, 1.0f, 1.5f, -0.5f});
  // A label that cannot fit ("1 1" needs 3 steps): Keras's large finite loss, not inf.
  const float impossible = ctc(Tensor::matrix({{1, 1}}), logits).item();
  BOOST_TEST(std::isfinite(impossible));
  BOOST_TEST(impossible > 1e4f);
  // Empty batch.
  BOOST_TEST(ctc(Tensor(Shape{0, 2}), Tensor(Shape{0, 2, 3})).shape() == (Shape{0}));
  BOOST_TEST(CTC()(Tensor(Shape{0, 2}), Tensor(Shape{0, 2, 3})).shape() == (Shape{0}));
  // Bad shapes and labels.
  BOOST_CHECK_THROW(ctc(Tensor::vector({1}), logits), ValueError);
  BOOST_CHECK_THROW(ctc(Tensor::matrix({{1}}), Tensor::matrix({{1, 2}})), ValueError);
  BOOST_CHECK_THROW(ctc(Tensor::matrix({{1}, {1}}), logits), ValueError);  // batch 2 vs 1
  BOOST_CHECK_THROW(ctc(Tensor::matrix({{2}}), logits), ValueError);       // class 2 of 2
  BOOST_CHECK_THROW(ctc(Tensor::matrix({{0, 1}}), logits), ValueError);    // blank before a label
  BOOST_CHECK_THROW(ctc(Tensor::matrix({{1}}), Tensor(Shape{1, 2, 0})), ValueError);
}

// --- shared edge cases ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(empty_batches) {
  const Tensor none_true(Shape{0, 3}), none_pred(Shape{0, 3});
  BOOST_TEST(binary_crossentropy(none_true, none_pred).shape() == (Shape{0}));
  BOOST_TEST(BinaryCrossentropy()(none_true, none_pred).shape() == (Shape{0}));
  BOOST_TEST(BinaryFocalCrossentropy()(none_true, none_pred).shape() == (Shape{0}));
  BOOST_TEST(CategoricalCrossentropy()(none_true, none_pred).shape() == (Shape{0}));
  BOOST_TEST(CategoricalFocalCrossentropy()(none_true, none_pred).shape() == (Shape{0}));
  BOOST_TEST(SparseCategoricalCrossentropy()(Tensor(Shape{0}), none_pred).shape() == (Shape{0}));
  BOOST_TEST(SparseCategoricalCrossentropy(false, 1)(Tensor(Shape{0}), none_pred).shape() == (Shape{0}));
  BOOST_TEST(CategoricalGeneralizedCrossEntropy()(Tensor(Shape{0}), none_pred).shape() == (Shape{0}));
}

BOOST_AUTO_TEST_CASE(bad_arguments) {
  const Tensor y = Tensor::matrix({{0, 1}});
  BOOST_CHECK_THROW(binary_crossentropy(y, Tensor::matrix({{0.5f, 0.5f, 0.5f}})), ValueError);  // shapes
  BOOST_CHECK_THROW(binary_crossentropy(y, y, false, 0.0, 2), ValueError);                      // axis
  BOOST_CHECK_THROW(categorical_crossentropy(y, y, false, 0.0, -3), ValueError);
  BOOST_CHECK_THROW(categorical_crossentropy(Tensor(Shape{1, 0}), Tensor(Shape{1, 0})), ValueError);  // no classes
  BOOST_CHECK_THROW(categorical_crossentropy(y, Tensor::vector({0.5f, 0.5f})), ValueError);
  BOOST_CHECK_THROW(sparse_categorical_crossentropy(Tensor::vector({0}), Tensor::scalar(1.0f)), ValueError);
  BOOST_CHECK_THROW(BinaryCrossentropy({false, Number::real(1.5), -1}), ValueError);
  BOOST_CHECK_THROW(CategoricalCrossentropy({false, Number::real(-0.1), -1}), ValueError);
  BOOST_CHECK_THROW(BinaryFocalCrossentropy(false, Number::real(0.25), Number::real(-1.0)), ValueError);
  BOOST_CHECK_THROW(CategoricalFocalCrossentropy({Number::real(0.25)}, false, Number::real(std::nan(""))), ValueError);
  BOOST_CHECK_THROW(CategoricalFocalCrossentropy({}, true), ValueError);
  BOOST_CHECK_THROW(BinaryCrossentropy({}, "average"), ValueError);  // unknown reduction
}
