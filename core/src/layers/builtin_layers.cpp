// The keras.layers built-ins and Keras's model classes, in the built-in catalog.
#include "builtins/catalog.hpp"
#include "kplug/layers/activations.hpp"
#include "kplug/layers/attention.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/merging.hpp"
#include "kplug/layers/normalization.hpp"
#include "kplug/layers/pooling.hpp"
#include "kplug/layers/preprocessing.hpp"
#include "kplug/layers/recurrent.hpp"
#include "kplug/layers/regularization.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/layers/up_sampling.hpp"
#include "kplug/models/functional.hpp"
#include "kplug/models/sequential.hpp"
#include "layers/ops_nodes/register_op_nodes.hpp"

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

  // ---- catalogue (issue 10): activations, merging, shape, regularization, normalization ----
  builder.add_class<ReLU>(module, {"ReLU"});
  builder.add_class<LeakyReLU>(module, {"LeakyReLU"});
  builder.add_class<PReLU>(module, {"PReLU"});
  builder.add_class<ELU>(module, {"ELU"});
  builder.add_class<Softmax>(module, {"Softmax"});
  builder.add_class<Subtract>(module, {"Subtract"});
  builder.add_class<Multiply>(module, {"Multiply"});
  builder.add_class<Average>(module, {"Average"});
  builder.add_class<Maximum>(module, {"Maximum"});
  builder.add_class<Minimum>(module, {"Minimum"});
  builder.add_class<Concatenate>(module, {"Concatenate"});
  builder.add_class<Dot>(module, {"Dot"});
  builder.add_class<Identity>(module, {"Identity"});
  builder.add_class<Rescaling>(module, {"Rescaling"});
  builder.add_class<Reshape>(module, {"Reshape"});
  builder.add_class<Permute>(module, {"Permute"});
  builder.add_class<RepeatVector>(module, {"RepeatVector"});
  builder.add_class<Cropping1D>(module, {"Cropping1D"});
  builder.add_class<Cropping2D>(module, {"Cropping2D"});
  builder.add_class<Cropping3D>(module, {"Cropping3D"});
  builder.add_class<SpatialDropout1D>(module, {"SpatialDropout1D"});
  builder.add_class<SpatialDropout2D>(module, {"SpatialDropout2D"});
  builder.add_class<SpatialDropout3D>(module, {"SpatialDropout3D"});
  builder.add_class<GaussianNoise>(module, {"GaussianNoise"});
  builder.add_class<GaussianDropout>(module, {"GaussianDropout"});
  builder.add_class<AlphaDropout>(module, {"AlphaDropout"});
  builder.add_class<ActivityRegularization>(module, {"ActivityRegularization"});
  builder.add_class<BatchNormalization>(module, {"BatchNormalization"});
  builder.add_class<UnitNormalization>(module, {"UnitNormalization"});
  builder.add_class<RMSNormalization>(module, {"RMSNormalization"});
  builder.add_class<GroupNormalization>(module, {"GroupNormalization"});
  // ---- end of the catalogue block ----
  // Convolution, pooling and 1-D reshaping.
  builder.add_class<Conv1D>(module, {"Conv1D"});
  builder.add_class<Conv2D>(module, {"Conv2D"});
  builder.add_class<Conv3D>(module, {"Conv3D"});
  builder.add_class<Conv1DTranspose>(module, {"Conv1DTranspose"});
  builder.add_class<Conv2DTranspose>(module, {"Conv2DTranspose"});
  builder.add_class<Conv3DTranspose>(module, {"Conv3DTranspose"});
  builder.add_class<DepthwiseConv1D>(module, {"DepthwiseConv1D"});
  builder.add_class<DepthwiseConv2D>(module, {"DepthwiseConv2D"});
  builder.add_class<SeparableConv1D>(module, {"SeparableConv1D"});
  builder.add_class<SeparableConv2D>(module, {"SeparableConv2D"});
  builder.add_class<MaxPooling2D>(module, {"MaxPooling2D"});
  builder.add_class<AveragePooling2D>(module, {"AveragePooling2D"});
  builder.add_class<GlobalMaxPooling1D>(module, {"GlobalMaxPooling1D"});
  builder.add_class<UpSampling1D>(module, {"UpSampling1D"});
  builder.add_class<ZeroPadding1D>(module, {"ZeroPadding1D"});
  // Pooling and zero padding over 1, 2 and 3 spatial axes.
  builder.add_class<MaxPooling1D>(module, {"MaxPooling1D"});
  builder.add_class<MaxPooling3D>(module, {"MaxPooling3D"});
  builder.add_class<AveragePooling1D>(module, {"AveragePooling1D"});
  builder.add_class<AveragePooling3D>(module, {"AveragePooling3D"});
  builder.add_class<GlobalMaxPooling2D>(module, {"GlobalMaxPooling2D"});
  builder.add_class<GlobalMaxPooling3D>(module, {"GlobalMaxPooling3D"});
  builder.add_class<GlobalAveragePooling1D>(module, {"GlobalAveragePooling1D"});
  builder.add_class<GlobalAveragePooling2D>(module, {"GlobalAveragePooling2D"});
  builder.add_class<GlobalAveragePooling3D>(module, {"GlobalAveragePooling3D"});
  builder.add_class<ZeroPadding2D>(module, {"ZeroPadding2D"});
  builder.add_class<ZeroPadding3D>(module, {"ZeroPadding3D"});
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
  builder.add_class<RNN>(module, {"RNN"});
  builder.add_class<StackedRNNCells>(module, {"StackedRNNCells"});
  builder.add_class<ConvLSTM1D>(module, {"ConvLSTM1D"});
  builder.add_class<ConvLSTM2D>(module, {"ConvLSTM2D"});
  builder.add_class<TimeDistributed>(module, {"TimeDistributed"});
  // Attention family (EinsumDense is MultiHeadAttention's projection).
  builder.add_class<EinsumDense>(module, {"EinsumDense"});
  builder.add_class<MultiHeadAttention>(module, {"MultiHeadAttention"});
  builder.add_class<Attention>(module, {"Attention"});
  builder.add_class<AdditiveAttention>(module, {"AdditiveAttention"});
  // Up-sampling and preprocessing (issue 10).
  builder.add_class<UpSampling2D>(module, {"UpSampling2D"});
  builder.add_class<UpSampling3D>(module, {"UpSampling3D"});
  builder.add_class<Resizing>(module, {"Resizing"});
  builder.add_class<CenterCrop>(module, {"CenterCrop"});
  builder.add_class<CategoryEncoding>(module, {"CategoryEncoding"});
  builder.add_class<Normalization>(module, {"Normalization"});
  // Keras ops recorded as graph nodes (masks, keras.ops calls on symbolic tensors).
  add_op_nodes(builder);
}

void add_builtin_models(CatalogBuilder& builder) {
  builder.add_class<Sequential>("keras", {"Sequential"});
  // Not exported by Keras: configs name its internal module.
  builder.add_class<Functional>("keras.src.models.functional", {"Functional"});
}

}  // namespace kplug::detail
