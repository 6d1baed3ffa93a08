// The factor rules of the image preprocessing layers (Keras's _FACTOR_BOUNDS and the
// variants of _set_factor), by the layers that use them.
#pragma once

#include "kplug/layers/image_preprocessing.hpp"

namespace kplug::layers::factor_rules {

using S = FactorRule::Scalar;

// BaseImagePreprocessingLayer._set_factor with _FACTOR_BOUNDS (-1, 1).
inline FactorRule base() { return {}; }
// _FACTOR_BOUNDS (0, 1): RandomContrast, RandomHue, RandomInvert, RandomSharpness, CutMix, ...
inline FactorRule unit() { return {0.0, 1.0}; }
// RandomPosterization: (1, 8) bits.
inline FactorRule bits() { return {1.0, 8.0}; }
// RandomShear: each element in [0, 1]; a number f is [-f, f].
inline FactorRule shear() { return {0.0, 1.0, S::symmetric, false}; }
// RandomTranslation: each element in [-1, 1], written as given.
inline FactorRule translation() { return {-1.0, 1.0, S::symmetric, false, false, true}; }
// RandomZoom: each element in (-1, 1], written as given.
inline FactorRule zoom() { return {-1.0, 1.0, S::symmetric, false, true, true}; }
// Solarization: each element in [0, 1]; a number f is [0, f].
inline FactorRule solarization() { return {0.0, 1.0, S::from_zero, false}; }
// `rule`, written back as the config gave it (RandomColorJitter's factors).
inline FactorRule as_given(FactorRule rule) {
  rule.as_given = true;
  return rule;
}

}  // namespace kplug::layers::factor_rules
