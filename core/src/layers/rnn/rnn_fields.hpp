// The config keys of Keras's recurrent classes, shared by the cells and the layers.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/layers/rnn.hpp"

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kplug::layers::detail {

// The fields named by `keys`, in that order. A key ending in '?' is read but never
// written (Keras accepts the argument but leaves it out of get_config).
config::Fields<RecurrentArgs> recurrent_fields(std::initializer_list<std::string_view> keys);

// return_sequences, return_state, go_backwards, stateful, unroll, zero_output_for_mask.
const config::Fields<RecurrentArgs>& rnn_layer_fields();

// Reads a flat RNN layer config (base keys, RNN keys, then `fields`): `units` required,
// `stateful` refused, Keras's accepted-but-unwritten keys (`implementation`, `use_cudnn`)
// checked and dropped.
struct RecurrentConfig {
  RecurrentArgs args;
  LayerArgs layer_args;
};
RecurrentConfig read_rnn_layer_config(const boost::json::object& config, DeserializationContext& context,
                                      const std::string& class_name, const config::Fields<RecurrentArgs>& fields);
// Reads a cell config (base keys, then `fields`); `units` required.
RecurrentConfig read_cell_config(const boost::json::object& config, DeserializationContext& context,
                                 const std::string& class_name, const config::Fields<RecurrentArgs>& fields);

// A flat layer's config after its RNN keys: its cell's keys (`fields`), with the layer's
// activity_regularizer at Keras's place among them.
void write_flat_cell_config(const RNN& layer, const config::Fields<RecurrentArgs>& fields, boost::json::object& config);

// `layer` as a cell RNN can run; another layer -> NotSupportedError naming `path`.
std::shared_ptr<RecurrentCell> as_recurrent_cell(LayerPtr layer, const std::string& path);

// The defaults of a cell's null arguments: tanh, sigmoid, GlorotUniform, Orthogonal, Zeros.
void fill_cell_defaults(RecurrentArgs& args);

// unit_forget_bias: a bias initializer giving inner's values for the i, c and o blocks of
// width `units` and ones for the f block.
std::shared_ptr<Initializer> unit_forget_bias(std::shared_ptr<Initializer> inner, std::int64_t units);

// The LSTM update from the gate pre-activations z (..., 4 * units along the last axis: i, f,
// c, o) and the previous carry: {h, c}. LSTMCell and ConvLSTMCell share it.
std::vector<Tensor> lstm_update(const Tensor& z, const Tensor& c_prev, const Activation& activation,
                                const Activation& recurrent_activation);

// The arguments a layer gives its cell: the same, named `<cell_name>`.
LayerArgs cell_layer_args(const LayerArgs& layer_args, std::string cell_name);

}  // namespace kplug::layers::detail
