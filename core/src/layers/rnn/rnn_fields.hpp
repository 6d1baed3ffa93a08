// The config keys of Keras's recurrent classes as typed field pieces, each over the options
// struct that holds its member; a class's list is its pieces joined with `+` in Keras's
// get_config order. And what the cells and layers share beyond their keys.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/rnn.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kplug::layers::detail {

// ---- field pieces ----

// return_sequences, return_state, go_backwards, stateful, unroll, zero_output_for_mask.
config::Fields<RecurrentOptions> recurrent_fields();

// units (required, > 0).
config::Fields<SimpleRNNCellOptions> units_fields();
// activation.
config::Fields<SimpleRNNCellOptions> activation_fields();
// recurrent_activation.
config::Fields<GatedCellOptions> recurrent_activation_fields();
// use_bias.
config::Fields<SimpleRNNCellOptions> use_bias_fields();
// kernel_initializer, recurrent_initializer, bias_initializer.
config::Fields<SimpleRNNCellOptions> initializer_fields();
// unit_forget_bias.
config::Fields<LSTMCellOptions> unit_forget_bias_fields();
// kernel_regularizer, recurrent_regularizer, bias_regularizer.
config::Fields<SimpleRNNCellOptions> regularizer_fields();
// kernel_constraint, recurrent_constraint, bias_constraint.
config::Fields<SimpleRNNCellOptions> constraint_fields();
// dropout, recurrent_dropout.
config::Fields<SimpleRNNCellOptions> dropout_fields();
// reset_after.
config::Fields<GRUCellOptions> reset_after_fields();
// seed (read but not written when `written` is false: Keras's SimpleRNN leaves it out).
config::Fields<SimpleRNNCellOptions> seed_fields(bool written = true);
// Accepted by Keras's constructors, never written (the numbers do not depend on them):
// `implementation` (1 or 2), and for layers `use_cudnn`; a cell's activity_regularizer is
// read (LayerArgs) but not written.
config::Fields<SimpleRNNCellOptions> cell_accepted_fields();
config::Fields<SimpleRNNCellOptions> layer_accepted_fields();

// A flat layer's activity_regularizer, at Keras's place among its cell's keys.
template <class CellOptions>
config::Fields<FlatRNNOptions<CellOptions>> activity_fields() {
  return {activity_regularizer_field(&FlatRNNOptions<CellOptions>::activity_regularizer)};
}

// A layer argument holding another layer (`cell`, `layer`, `backward_layer`): read through
// `read(reader, key, value, options)` under the key's path, written as its layer dict.
template <class O, class L>
config::Field<O> sub_layer_field(std::string key, std::shared_ptr<L> O::*member,
                                 std::function<std::shared_ptr<L>(ConfigReader&, const boost::json::value&, O&)> read) {
  return config::custom_field<O>(
      std::move(key),
      [member, read](ConfigReader& r, std::string_view k, const boost::json::value& v, O& o) {
        DeserializationContext::PathScope scope(r.context(), std::string(k));
        o.*member = read(r, v, o);
      },
      [member](const O& o) { return o.*member ? serialize_layer(*(o.*member)) : boost::json::value(nullptr); });
}

// ---- shared behaviour ----

// `layer` as a cell RNN can run; another layer -> NotSupportedError naming `path`.
std::shared_ptr<RecurrentCell> as_recurrent_cell(LayerPtr layer, const std::string& path);

// unit_forget_bias: a bias initializer giving inner's values for the i, c and o blocks of
// width `units` and ones for the f block.
std::shared_ptr<Initializer> unit_forget_bias(std::shared_ptr<Initializer> inner, std::int64_t units);

// The LSTM update from the gate pre-activations z (..., 4 * units along the last axis: i, f,
// c, o) and the previous carry: {h, c}. LSTMCell and ConvLSTMCell share it.
std::vector<Tensor> lstm_update(const Tensor& z, const Tensor& c_prev, const Activation& activation,
                                const Activation& recurrent_activation);

// Null arguments of a cell as Keras's defaults (a C++ caller's null; a config's null
// activation is linear).
void fill_cell_defaults(SimpleRNNCellOptions& options);
void fill_cell_defaults(GatedCellOptions& options);

// The arguments a layer gives its cell: the same, named `<cell_name>`.
LayerArgs cell_layer_args(const LayerArgs& layer_args, std::string cell_name);

}  // namespace kplug::layers::detail

namespace kplug::layers {

// The cell is built from the layer's options; its defaults come back into them, so that the
// layer writes what the cell computes with.
template <class Derived, class Cell>
FlatRNN<Derived, Cell>::FlatRNN(Options options, LayerArgs args, std::string cell_name)
    : RNNLayer<Derived, Options>(std::move(options), args) {
  using CellOptions = typename Cell::Options;
  auto cell = std::make_shared<Cell>(static_cast<const CellOptions&>(this->options_),
                                     detail::cell_layer_args(args, std::move(cell_name)));
  static_cast<CellOptions&>(this->options_) = cell->options();
  this->options_.activity_regularizer = this->activity_regularizer();
  this->set_cell(std::move(cell));
}

}  // namespace kplug::layers
