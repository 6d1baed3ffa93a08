// What Embedding and ReversibleEmbedding share: their config keys, checks, table and lookup.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/variable.hpp"
#include "kplug/tensor.hpp"

#include <string>
#include <string_view>

namespace kplug::layers::detail {

// Embedding's keys in Keras's get_config order; `class_name` names the layer in errors.
config::Fields<EmbeddingOptions> embedding_fields(std::string_view class_name);

// input_dim and output_dim positive, as Keras's ValueError words it.
void check_embedding_dims(const EmbeddingOptions& options);

// The (input_dim, output_dim) `embeddings` weight.
VariableSpec embeddings_spec(const EmbeddingOptions& options);

// Rows of `table` for integer ids (floats truncated to int32, as Keras casts them); an id
// outside [0, input_dim) is a ValueError naming `layer_name` and `class_name`.
Tensor embedding_lookup(const Tensor& table, const Tensor& ids, const std::string& layer_name,
                        std::string_view class_name);

}  // namespace kplug::layers::detail
