// The keras.layers built-ins and Keras's model classes, in the built-in catalog.
#include "builtins/catalog.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/merging.hpp"
#include "kplug/layers/normalization.hpp"
#include "kplug/layers/pooling.hpp"
#include "kplug/layers/regularization.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/models/functional.hpp"
#include "kplug/models/sequential.hpp"

namespace kplug::detail {

void add_builtin_layers(CatalogBuilder& builder) {
  using namespace kplug::layers;
  constexpr std::string_view module = "keras.layers";
  builder.add_class<InputLayer>(module, {"InputLayer"});
  builder.add_class<Dense>(module, {"Dense"});
  builder.add_class<ActivationLayer>(module, {"Activation"});
  builder.add_class<Lambda>(module, {"Lambda"});
  builder.add_class<Dropout>(module, {"Dropout"});
  builder.add_class<Flatten>(module, {"Flatten"});
  builder.add_class<Add>(module, {"Add"});
  builder.add_class<LayerNormalization>(module, {"LayerNormalization"});
  // Convolution, pooling and 1-D reshaping.
  builder.add_class<Conv1D>(module, {"Conv1D"});
  builder.add_class<Conv2D>(module, {"Conv2D"});
  builder.add_class<MaxPooling2D>(module, {"MaxPooling2D"});
  builder.add_class<AveragePooling2D>(module, {"AveragePooling2D"});
  builder.add_class<GlobalMaxPooling1D>(module, {"GlobalMaxPooling1D"});
  builder.add_class<UpSampling1D>(module, {"UpSampling1D"});
  builder.add_class<ZeroPadding1D>(module, {"ZeroPadding1D"});
}

void add_builtin_models(CatalogBuilder& builder) {
  builder.add_class<Sequential>("keras", {"Sequential"});
  // Not exported by Keras: configs name its internal module.
  builder.add_class<Functional>("keras.src.models.functional", {"Functional"});
}

}  // namespace kplug::detail
