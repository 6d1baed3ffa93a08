// A FieldsLayer without weights whose output has its input's shape (and mask): the
// activation layers, and the regularization layers (identity at inference). Built at
// construction, as Keras builds layers without state.
#pragma once

#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/layer.hpp"

#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug {

template <class Derived, class OptionsT>
class ElementwiseLayer : public FieldsLayer<Derived, OptionsT> {
 public:
  ElementwiseLayer(OptionsT options, LayerArgs args)
      : FieldsLayer<Derived, OptionsT>(std::move(options), std::move(args)) {
    this->mark_built_at_init();
  }
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override {
    return {this->single_shape(input_shapes)};
  }
  bool supports_masking() const override { return true; }
};

}  // namespace kplug

#pragma GCC visibility pop
