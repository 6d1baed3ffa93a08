// keras.layers preprocessing layers at inference: Resizing, CenterCrop, CategoryEncoding,
// Normalization (with its stored or given statistics), Discretization.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/number.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// The arguments Resizing and CenterCrop lead with: images come out (height, width).
struct ImageSizeOptions {
  std::string data_format = "channels_last";
  std::int64_t height = 0;
  std::int64_t width = 0;
};

// A layer over rank-3 (unbatched) or rank-4 images whose output is `height` x `width`.
template <class Derived, class OptionsT>
class ImageSizeLayer : public FieldsLayer<Derived, OptionsT> {
 public:
  using FieldsLayer<Derived, OptionsT>::FieldsLayer;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override {
    PartialShape out = this->single_shape(input_shapes);
    if (out.rank() != 3 && out.rank() != 4) this->fail("expects inputs of rank 3 or 4, got shape " + out.to_string());
    const bool channels_first = this->options_.data_format == "channels_first";
    const std::size_t h = out.rank() == 4 ? (channels_first ? 2 : 1) : (channels_first ? 1 : 0);
    out[h] = this->options_.height;
    out[h + 1] = this->options_.width;
    return {out};
  }
};

struct ResizingOptions : ImageSizeOptions {
  std::string interpolation = "bilinear";
  bool crop_to_aspect_ratio = false;
  bool pad_to_aspect_ratio = false;
  std::string fill_mode = "constant";
  Number fill_value = Number::real(0.0);
  bool antialias = false;
};

// Images resized to (height, width) by ops::resize; crop_to_aspect_ratio and
// pad_to_aspect_ratio (fill_mode "constant") as Keras.
class Resizing : public ImageSizeLayer<Resizing, ResizingOptions> {
 public:
  static const config::Fields<Options>& fields();
  Resizing(Options options, LayerArgs args);

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

struct CenterCropOptions : ImageSizeOptions {};

// The central (height, width) window; smaller images are cropped to the aspect ratio and
// resized (Keras's smart_resize).
class CenterCrop : public ImageSizeLayer<CenterCrop, CenterCropOptions> {
 public:
  static const config::Fields<Options>& fields();
  CenterCrop(Options options, LayerArgs args);

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

struct CategoryEncodingOptions {
  std::optional<std::int64_t> num_tokens;
  std::string output_mode = "multi_hot";
  bool sparse = false;
};

// Integer ids -> one_hot / multi_hot / count vectors of length num_tokens (dense only).
class CategoryEncoding : public FieldsLayer<CategoryEncoding, CategoryEncodingOptions> {
 public:
  static const config::Fields<Options>& fields();
  CategoryEncoding(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

struct NormalizationOptions {
  std::vector<std::int64_t> axis{-1};  // kept axes; Keras writes them as a list
  bool invert = false;
  boost::json::value mean;  // null, a number or nested lists, written back as given
  boost::json::value variance;
};

// (x - mean) / max(sqrt(variance), 1e-7) over the kept `axis` (invert: the reverse). The
// statistics are the `mean`/`variance` config values when given, else the weights
// mean, variance (and Keras's int32 `count`) that adapt() filled.
class Normalization : public FieldsLayer<Normalization, NormalizationOptions> {
 public:
  static const config::Fields<Options>& fields();
  Normalization(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  std::vector<std::int64_t> keep_axes_;  // sorted, non-negative (set by build)
  Shape broadcast_shape_;                // input dims on kept axes, 1 elsewhere
  VariablePtr mean_, variance_, count_;
  std::optional<Tensor> given_mean_, given_variance_;  // from the config, in broadcast form
};

struct DiscretizationOptions {
  std::optional<std::vector<Number>> bin_boundaries;  // increasing; written as given
  std::optional<std::int64_t> num_bins;               // what adapt() was asked for
  Number epsilon = Number::real(0.01);
  std::string output_mode = "int";
  bool sparse = false;
};

// Buckets values by bin_boundaries (numpy's digitize: bin i holds [b[i-1], b[i])): int32
// bin indices ("int"), or float32 one_hot / multi_hot / count vectors over len + 1 bins.
// Keras writes {bin_boundaries, num_bins, epsilon, output_mode, sparse, name, dtype} (the
// dtype as a name, no trainable key). A layer never adapted (no bin_boundaries) cannot
// be called, as in Keras; sparse=True is refused (dense outputs only).
class Discretization : public FieldsLayer<Discretization, DiscretizationOptions> {
 public:
  static const config::Fields<Options>& fields();
  static std::shared_ptr<Discretization> from_config(const boost::json::object& config,
                                                     DeserializationContext& context);
  Discretization(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  std::int64_t depth() const;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
