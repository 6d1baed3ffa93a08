// The keras.layers built-ins and Keras's model classes, in the built-in catalog.
#include "builtins/catalog.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/embedding.hpp"
#include "kplug/layers/masking.hpp"
#include "kplug/layers/merging.hpp"
#include "kplug/layers/normalization.hpp"
#include "kplug/layers/numpy_ops.hpp"
#include "kplug/layers/recurrent.hpp"
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
  // Embedding and recurrent layers.
  builder.add_class<Embedding>(module, {"Embedding"});
  builder.add_class<Masking>(module, {"Masking"});
  builder.add_class<SimpleRNNCell>(module, {"SimpleRNNCell"});
  builder.add_class<LSTMCell>(module, {"LSTMCell"});
  builder.add_class<GRUCell>(module, {"GRUCell"});
  builder.add_class<SimpleRNN>(module, {"SimpleRNN"});
  builder.add_class<LSTM>(module, {"LSTM"});
  builder.add_class<GRU>(module, {"GRU"});
  builder.add_class<Bidirectional>(module, {"Bidirectional"});
  // Keras ops recorded as graph nodes for masks.
  builder.add_class<NotEqual>("keras.src.ops.numpy", {"NotEqual"});
  builder.add_class<Any>("keras.src.ops.numpy", {"Any"});
}

void add_builtin_models(CatalogBuilder& builder) {
  builder.add_class<Sequential>("keras", {"Sequential"});
  // Not exported by Keras: configs name its internal module.
  builder.add_class<Functional>("keras.src.models.functional", {"Functional"});
}

}  // namespace kplug::detail
