// keras.layers.Embedding: integer token ids -> rows of a (input_dim, output_dim) table.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/constraints.hpp"
#include "kplug/initializers.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/regularizers.hpp"

#include <cstdint>
#include <memory>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

class Embedding : public Layer {
 public:
  struct Options {
    std::int64_t input_dim = 0;  // vocabulary size: ids must lie in [0, input_dim)
    std::int64_t output_dim = 0;
    std::shared_ptr<Initializer> embeddings_initializer;  // null: RandomUniform(-0.05, 0.05)
    std::shared_ptr<Regularizer> embeddings_regularizer;
    std::shared_ptr<Regularizer> activity_regularizer;  // written at Keras's place (the Layer holds it)
    std::shared_ptr<Constraint> embeddings_constraint;
    bool mask_zero = false;  // id 0 is padding: the output mask is `ids != 0`
  };
  Embedding(Options options, LayerArgs args);
  static std::shared_ptr<Embedding> from_config(const boost::json::object& config, DeserializationContext& context);
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return options_.mask_zero; }
  std::vector<std::optional<Tensor>> compute_mask(const CallArgs& args,
                                                  const std::vector<Tensor>& outputs) const override;
  const Options& options() const noexcept { return options_; }
  const VariablePtr& embeddings() const noexcept { return embeddings_; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  // Integer ids of any shape (floats are truncated to int32 as Keras casts them); an id
  // outside [0, input_dim) is a ValueError naming it.
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
  VariablePtr embeddings_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
