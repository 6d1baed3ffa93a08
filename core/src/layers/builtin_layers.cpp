// The keras.layers built-ins and Keras's model classes, in the built-in catalog.
#include "builtins/catalog.hpp"
#include "kplug/layers/activations.hpp"
#include "kplug/layers/attention.hpp"
#include "kplug/layers/audio.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/image_preprocessing.hpp"
#include "kplug/layers/merging.hpp"
#include "kplug/layers/normalization.hpp"
#include "kplug/layers/pooling.hpp"
#include "kplug/layers/preprocessing.hpp"
#include "kplug/layers/regularization.hpp"
#include "kplug/layers/reshaping.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/models/functional.hpp"
#include "kplug/models/sequential.hpp"
#include "layers/ops_nodes/register_op_nodes.hpp"

namespace kplug::detail {

namespace {

using namespace kplug::layers;
constexpr std::string_view kModule = "keras.layers";

// Core layers (kplug/layers/core.hpp).
void add_core_layers(CatalogBuilder& builder) {
  builder.add_class<InputLayer>(kModule, {"InputLayer"});
  builder.add_class<Dense>(kModule, {"Dense"});
  builder.add_class<ActivationLayer>(kModule, {"Activation"});
  builder.add_class<Lambda>(kModule, {"Lambda"});
  builder.add_class<Identity>(kModule, {"Identity"});
  builder.add_class<Rescaling>(kModule, {"Rescaling"});
  builder.add_class<Embedding>(kModule, {"Embedding"});
  builder.add_class<ReversibleEmbedding>(kModule, {"ReversibleEmbedding"});
  builder.add_class<TernaryDense>(kModule, {"TernaryDense"});
  builder.add_class<Masking>(kModule, {"Masking"});
}

// Activation layers.
void add_activation_layers(CatalogBuilder& builder) {
  builder.add_class<ReLU>(kModule, {"ReLU"});
  builder.add_class<LeakyReLU>(kModule, {"LeakyReLU"});
  builder.add_class<PReLU>(kModule, {"PReLU"});
  builder.add_class<ELU>(kModule, {"ELU"});
  builder.add_class<Softmax>(kModule, {"Softmax"});
}

// Merging layers.
void add_merging_layers(CatalogBuilder& builder) {
  builder.add_class<Add>(kModule, {"Add"});
  builder.add_class<Subtract>(kModule, {"Subtract"});
  builder.add_class<Multiply>(kModule, {"Multiply"});
  builder.add_class<Average>(kModule, {"Average"});
  builder.add_class<Maximum>(kModule, {"Maximum"});
  builder.add_class<Minimum>(kModule, {"Minimum"});
  builder.add_class<Concatenate>(kModule, {"Concatenate"});
  builder.add_class<Dot>(kModule, {"Dot"});
}

// Reshaping layers (kplug/layers/reshaping.hpp).
void add_reshaping_layers(CatalogBuilder& builder) {
  builder.add_class<Flatten>(kModule, {"Flatten"});
  builder.add_class<Reshape>(kModule, {"Reshape"});
  builder.add_class<Permute>(kModule, {"Permute"});
  builder.add_class<RepeatVector>(kModule, {"RepeatVector"});
  builder.add_class<Cropping1D>(kModule, {"Cropping1D"});
  builder.add_class<Cropping2D>(kModule, {"Cropping2D"});
  builder.add_class<Cropping3D>(kModule, {"Cropping3D"});
  builder.add_class<UpSampling1D>(kModule, {"UpSampling1D"});
  builder.add_class<UpSampling2D>(kModule, {"UpSampling2D"});
  builder.add_class<UpSampling3D>(kModule, {"UpSampling3D"});
  builder.add_class<ZeroPadding1D>(kModule, {"ZeroPadding1D"});
  builder.add_class<ZeroPadding2D>(kModule, {"ZeroPadding2D"});
  builder.add_class<ZeroPadding3D>(kModule, {"ZeroPadding3D"});
}

// Regularization layers.
void add_regularization_layers(CatalogBuilder& builder) {
  builder.add_class<Dropout>(kModule, {"Dropout"});
  builder.add_class<SpatialDropout1D>(kModule, {"SpatialDropout1D"});
  builder.add_class<SpatialDropout2D>(kModule, {"SpatialDropout2D"});
  builder.add_class<SpatialDropout3D>(kModule, {"SpatialDropout3D"});
  builder.add_class<GaussianNoise>(kModule, {"GaussianNoise"});
  builder.add_class<GaussianDropout>(kModule, {"GaussianDropout"});
  builder.add_class<AlphaDropout>(kModule, {"AlphaDropout"});
  builder.add_class<ActivityRegularization>(kModule, {"ActivityRegularization"});
}

// Normalization layers.
void add_normalization_layers(CatalogBuilder& builder) {
  builder.add_class<LayerNormalization>(kModule, {"LayerNormalization"});
  builder.add_class<BatchNormalization>(kModule, {"BatchNormalization"});
  builder.add_class<UnitNormalization>(kModule, {"UnitNormalization"});
  builder.add_class<RMSNormalization>(kModule, {"RMSNormalization"});
  builder.add_class<GroupNormalization>(kModule, {"GroupNormalization"});
  builder.add_class<SpectralNormalization>(kModule, {"SpectralNormalization"});
}

// Convolution layers.
void add_convolutional_layers(CatalogBuilder& builder) {
  builder.add_class<Conv1D>(kModule, {"Conv1D"});
  builder.add_class<Conv2D>(kModule, {"Conv2D"});
  builder.add_class<Conv3D>(kModule, {"Conv3D"});
  builder.add_class<Conv1DTranspose>(kModule, {"Conv1DTranspose"});
  builder.add_class<Conv2DTranspose>(kModule, {"Conv2DTranspose"});
  builder.add_class<Conv3DTranspose>(kModule, {"Conv3DTranspose"});
  builder.add_class<DepthwiseConv1D>(kModule, {"DepthwiseConv1D"});
  builder.add_class<DepthwiseConv2D>(kModule, {"DepthwiseConv2D"});
  builder.add_class<SeparableConv1D>(kModule, {"SeparableConv1D"});
  builder.add_class<SeparableConv2D>(kModule, {"SeparableConv2D"});
}

// Pooling over 1, 2 and 3 spatial axes.
void add_pooling_layers(CatalogBuilder& builder) {
  builder.add_class<MaxPooling1D>(kModule, {"MaxPooling1D"});
  builder.add_class<MaxPooling2D>(kModule, {"MaxPooling2D"});
  builder.add_class<MaxPooling3D>(kModule, {"MaxPooling3D"});
  builder.add_class<AveragePooling1D>(kModule, {"AveragePooling1D"});
  builder.add_class<AveragePooling2D>(kModule, {"AveragePooling2D"});
  builder.add_class<AveragePooling3D>(kModule, {"AveragePooling3D"});
  builder.add_class<GlobalMaxPooling1D>(kModule, {"GlobalMaxPooling1D"});
  builder.add_class<GlobalMaxPooling2D>(kModule, {"GlobalMaxPooling2D"});
  builder.add_class<GlobalMaxPooling3D>(kModule, {"GlobalMaxPooling3D"});
  builder.add_class<GlobalAveragePooling1D>(kModule, {"GlobalAveragePooling1D"});
  builder.add_class<GlobalAveragePooling2D>(kModule, {"GlobalAveragePooling2D"});
  builder.add_class<GlobalAveragePooling3D>(kModule, {"GlobalAveragePooling3D"});
  builder.add_class<AdaptiveMaxPooling1D>(kModule, {"AdaptiveMaxPooling1D"});
  builder.add_class<AdaptiveMaxPooling2D>(kModule, {"AdaptiveMaxPooling2D"});
  builder.add_class<AdaptiveMaxPooling3D>(kModule, {"AdaptiveMaxPooling3D"});
  builder.add_class<AdaptiveAveragePooling1D>(kModule, {"AdaptiveAveragePooling1D"});
  builder.add_class<AdaptiveAveragePooling2D>(kModule, {"AdaptiveAveragePooling2D"});
  builder.add_class<AdaptiveAveragePooling3D>(kModule, {"AdaptiveAveragePooling3D"});
}

// Recurrent layers, their cells and wrappers.
void add_recurrent_layers(CatalogBuilder& builder) {
  builder.add_class<SimpleRNNCell>(kModule, {"SimpleRNNCell"});
  builder.add_class<LSTMCell>(kModule, {"LSTMCell"});
  builder.add_class<GRUCell>(kModule, {"GRUCell"});
  builder.add_class<SimpleRNN>(kModule, {"SimpleRNN"});
  builder.add_class<LSTM>(kModule, {"LSTM"});
  builder.add_class<GRU>(kModule, {"GRU"});
  builder.add_class<RNN>(kModule, {"RNN"});
  builder.add_class<StackedRNNCells>(kModule, {"StackedRNNCells"});
  builder.add_class<Bidirectional>(kModule, {"Bidirectional"});
  builder.add_class<ConvLSTM1D>(kModule, {"ConvLSTM1D"});
  builder.add_class<ConvLSTM2D>(kModule, {"ConvLSTM2D"});
  builder.add_class<ConvLSTM3D>(kModule, {"ConvLSTM3D"});
  builder.add_class<TimeDistributed>(kModule, {"TimeDistributed"});
}

// Attention (EinsumDense is MultiHeadAttention's projection).
void add_attention_layers(CatalogBuilder& builder) {
  builder.add_class<EinsumDense>(kModule, {"EinsumDense"});
  builder.add_class<MultiHeadAttention>(kModule, {"MultiHeadAttention"});
  builder.add_class<GroupQueryAttention>(kModule, {"GroupQueryAttention"});
  builder.add_class<Attention>(kModule, {"Attention"});
  builder.add_class<AdditiveAttention>(kModule, {"AdditiveAttention"});
}

// Preprocessing layers.
void add_preprocessing_layers(CatalogBuilder& builder) {
  builder.add_class<Resizing>(kModule, {"Resizing"});
  builder.add_class<CenterCrop>(kModule, {"CenterCrop"});
  builder.add_class<CategoryEncoding>(kModule, {"CategoryEncoding"});
  builder.add_class<Normalization>(kModule, {"Normalization"});
  builder.add_class<STFTSpectrogram>(kModule, {"STFTSpectrogram"});
  builder.add_class<MelSpectrogram>(kModule, {"MelSpectrogram"});
  builder.add_class<Discretization>(kModule, {"Discretization"});
}

// Image augmentation and preprocessing layers (image_preprocessing.hpp), and Pipeline.
void add_image_preprocessing_layers(CatalogBuilder& builder) {
  builder.add_class<RandomFlip>(kModule, {"RandomFlip"});
  builder.add_class<RandomRotation>(kModule, {"RandomRotation"});
  builder.add_class<RandomZoom>(kModule, {"RandomZoom"});
  builder.add_class<RandomTranslation>(kModule, {"RandomTranslation"});
  builder.add_class<RandomShear>(kModule, {"RandomShear"});
  builder.add_class<RandomCrop>(kModule, {"RandomCrop"});
  builder.add_class<RandomPerspective>(kModule, {"RandomPerspective"});
  builder.add_class<RandomElasticTransform>(kModule, {"RandomElasticTransform"});
  builder.add_class<RandomContrast>(kModule, {"RandomContrast"});
  builder.add_class<RandomBrightness>(kModule, {"RandomBrightness"});
  builder.add_class<RandomHue>(kModule, {"RandomHue"});
  builder.add_class<RandomSaturation>(kModule, {"RandomSaturation"});
  builder.add_class<RandomSharpness>(kModule, {"RandomSharpness"});
  builder.add_class<RandomInvert>(kModule, {"RandomInvert"});
  builder.add_class<RandomPosterization>(kModule, {"RandomPosterization"});
  builder.add_class<RandomColorDegeneration>(kModule, {"RandomColorDegeneration"});
  builder.add_class<RandomGrayscale>(kModule, {"RandomGrayscale"});
  builder.add_class<RandomColorJitter>(kModule, {"RandomColorJitter"});
  builder.add_class<Solarization>(kModule, {"Solarization"});
  builder.add_class<Equalization>(kModule, {"Equalization"});
  builder.add_class<AutoContrast>(kModule, {"AutoContrast"});
  builder.add_class<ContrastLimitedAdaptiveHistogramEqualization>(kModule,
                                                                  {"ContrastLimitedAdaptiveHistogramEqualization"});
  builder.add_class<RandomErasing>(kModule, {"RandomErasing"});
  builder.add_class<RandomGaussianBlur>(kModule, {"RandomGaussianBlur"});
  builder.add_class<CutMix>(kModule, {"CutMix"});
  builder.add_class<MixUp>(kModule, {"MixUp"});
  builder.add_class<AugMix>(kModule, {"AugMix"});
  builder.add_class<RandAugment>(kModule, {"RandAugment"});
  builder.add_class<MaxNumBoundingBoxes>(kModule, {"MaxNumBoundingBoxes"});
  builder.add_class<Pipeline>(kModule, {"Pipeline"});
}

}  // namespace

void add_builtin_layers(CatalogBuilder& builder) {
  add_core_layers(builder);
  add_activation_layers(builder);
  add_merging_layers(builder);
  add_reshaping_layers(builder);
  add_regularization_layers(builder);
  add_normalization_layers(builder);
  add_convolutional_layers(builder);
  add_pooling_layers(builder);
  add_recurrent_layers(builder);
  add_attention_layers(builder);
  add_preprocessing_layers(builder);
  add_image_preprocessing_layers(builder);
  // Keras ops recorded as graph nodes (masks, keras.ops calls on symbolic tensors).
  add_op_nodes(builder);
}

void add_builtin_models(CatalogBuilder& builder) {
  builder.add_class<Sequential>("keras", {"Sequential"});
  // Not exported by Keras: configs name its internal module.
  builder.add_class<Functional>("keras.src.models.functional", {"Functional"});
}

}  // namespace kplug::detail
