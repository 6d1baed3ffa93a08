// The config keys of Keras's recurrent classes, shared by the cells and the layers.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/layers/recurrent.hpp"

#include <initializer_list>
#include <memory>
#include <string_view>

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

// The arguments a layer gives its cell: the same, named `<cell_name>`.
LayerArgs cell_layer_args(const LayerArgs& layer_args, std::string cell_name);

}  // namespace kplug::layers::detail
