// What the recurrent-layer suites share: deterministic values and masks, a closeness check,
// a layer called with a mask and initial states, and Keras's sigmoid for reference maths.
#pragma once

#include "kplug/layers/layer.hpp"
#include "kplug/tensor.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace kplug::test {

constexpr std::int64_t kBatch = 2;

inline std::vector<std::string> keys_of(const boost::json::object& o) {
  std::vector<std::string> keys;
  for (const auto& item : o) keys.emplace_back(item.key());
  return keys;
}

// Deterministic small values in (-0.8, 0.8).
inline Tensor values(Shape shape, float phase) {
  Tensor t(shape);
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = 0.8f * std::sin(1.7f * static_cast<float>(i) + phase);
  return t;
}

inline Tensor bool_mask(Shape shape, std::initializer_list<bool> v) {
  std::vector<bool> list(v);
  Tensor m(std::move(shape), DType::bool_);
  for (std::size_t i = 0; i < list.size(); ++i) m.data_as<bool>()[i] = list[i];
  return m;
}

inline void check_close(const Tensor& got, const Tensor& want, const std::string& what) {
  BOOST_TEST_CONTEXT(what) {
    BOOST_REQUIRE_MESSAGE(got.shape() == want.shape(),
                          "shape " + shape_repr(got.shape()) + " vs " + shape_repr(want.shape()));
    for (std::int64_t i = 0; i < got.size(); ++i) BOOST_CHECK_CLOSE_FRACTION(got[i] + 10.0f, want[i] + 10.0f, 2e-6);
  }
}

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

inline std::vector<Tensor> run(Layer& layer, const Tensor& x, std::optional<Tensor> mask = std::nullopt,
                               std::vector<Tensor> initial = {}) {
  CallArgs args({x});
  if (mask) args.masks = {*mask};
  if (!initial.empty()) args.tensor_kwargs["initial_state"] = std::move(initial);
  return layer(args);
}

}  // namespace kplug::test
