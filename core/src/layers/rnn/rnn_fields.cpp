// The recurrent classes' field pieces (Keras's keys, each typed on the options holding it)
// and the helpers the cells and layers share.
#include "layers/rnn/rnn_fields.hpp"

#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/serialization.hpp"

namespace kplug::layers::detail {

namespace {

using Cell = SimpleRNNCellOptions;

// Unlike layers::activation_field, null reads as linear here: the member's null means the
// class default (tanh, sigmoid), which fill_cell_defaults gives.
template <class O>
config::Field<O> recurrent_activation_field(std::string key, std::shared_ptr<Activation> O::*member) {
  return config::custom_field<O>(
      std::move(key),
      [member](ConfigReader& r, std::string_view k, const boost::json::value& v, O& o) {
        // Keras's activations.get(None) is the identity.
        o.*member = v.is_null() ? builtin_activation("linear") : r.context().object<Activation>(v, k);
      },
      [member](const O& o) { return serialize_activation(o.*member); });
}

std::string check_probability(const Number& n) {
  if (!(n.value >= 0.0 && n.value <= 1.0)) return "expected a float between 0 and 1, got " + json::excerpt(n.to_json());
  return {};
}

// A key read and checked, never written.
config::Field<Cell> accepted_field(std::string key, std::function<bool(const boost::json::value&)> valid,
                                   std::string expected) {
  return config::custom_field<Cell>(
             std::move(key),
             [valid, expected](ConfigReader& r, std::string_view k, const boost::json::value& v, Cell&) {
               if (!valid(v)) r.fail(k, "expected " + expected + ", got " + json::excerpt(v));
             },
             {})
      .read_only();
}

config::Field<Cell> implementation_field() {
  return accepted_field(
      "implementation",
      [](const boost::json::value& v) { return v.is_int64() && (v.get_int64() == 1 || v.get_int64() == 2); }, "1 or 2");
}

}  // namespace

config::Fields<RecurrentOptions> recurrent_fields() {
  using O = RecurrentOptions;
  using config::field;
  return {field("return_sequences", &O::return_sequences),
          field("return_state", &O::return_state),
          field("go_backwards", &O::go_backwards),
          field("stateful", &O::stateful),
          field("unroll", &O::unroll),
          field("zero_output_for_mask", &O::zero_output_for_mask)};
}

config::Fields<Cell> units_fields() {
  return {config::field("units", &Cell::units).required().check([](const std::int64_t& u) {
    return u > 0 ? std::string()
                 : "Received an invalid value for argument `units`, expected a positive integer, got " +
                       std::to_string(u) + ".";
  })};
}

config::Fields<Cell> activation_fields() { return {recurrent_activation_field("activation", &Cell::activation)}; }

config::Fields<GatedCellOptions> recurrent_activation_fields() {
  return {recurrent_activation_field("recurrent_activation", &GatedCellOptions::recurrent_activation)};
}

config::Fields<Cell> use_bias_fields() { return {config::field("use_bias", &Cell::use_bias)}; }

config::Fields<Cell> initializer_fields() {
  return {config::field("kernel_initializer", &Cell::kernel_initializer),
          config::field("recurrent_initializer", &Cell::recurrent_initializer),
          config::field("bias_initializer", &Cell::bias_initializer)};
}

config::Fields<LSTMCellOptions> unit_forget_bias_fields() {
  return {config::field("unit_forget_bias", &LSTMCellOptions::unit_forget_bias)};
}

config::Fields<Cell> regularizer_fields() {
  return {config::field("kernel_regularizer", &Cell::kernel_regularizer),
          config::field("recurrent_regularizer", &Cell::recurrent_regularizer),
          config::field("bias_regularizer", &Cell::bias_regularizer)};
}

config::Fields<Cell> constraint_fields() {
  return {config::field("kernel_constraint", &Cell::kernel_constraint),
          config::field("recurrent_constraint", &Cell::recurrent_constraint),
          config::field("bias_constraint", &Cell::bias_constraint)};
}

config::Fields<Cell> dropout_fields() {
  return {config::field("dropout", &Cell::dropout).check(check_probability),
          config::field("recurrent_dropout", &Cell::recurrent_dropout).check(check_probability)};
}

config::Fields<GRUCellOptions> reset_after_fields() {
  return {config::field("reset_after", &GRUCellOptions::reset_after)};
}

config::Fields<Cell> seed_fields(bool written) {
  auto seed = config::field("seed", &Cell::seed);
  if (!written) seed.read_only();
  return {seed};
}

config::Fields<Cell> cell_accepted_fields() {
  auto no_activity = config::custom_field<Cell>(
      "activity_regularizer", [](ConfigReader&, std::string_view, const boost::json::value&, Cell&) {}, {});
  return {implementation_field(), no_activity.read_only()};
}

config::Fields<Cell> layer_accepted_fields() {
  return {implementation_field(),
          accepted_field(
              "use_cudnn",
              [](const boost::json::value& v) { return v.is_bool() || (v.is_string() && v.get_string() == "auto"); },
              "one of {'auto', True, False}")};
}

std::shared_ptr<RecurrentCell> as_recurrent_cell(LayerPtr layer, const std::string& path) {
  auto cell = std::dynamic_pointer_cast<RecurrentCell>(layer);
  if (!cell) {
    throw NotSupportedError(path +
                            ": expected a recurrent cell (SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells), got " +
                            layer->class_name());
  }
  return cell;
}

void fill_cell_defaults(SimpleRNNCellOptions& o) {
  if (!o.activation) o.activation = builtin_activation("tanh");
  if (!o.kernel_initializer) o.kernel_initializer = std::make_shared<initializers::GlorotUniform>();
  if (!o.recurrent_initializer) o.recurrent_initializer = std::make_shared<initializers::Orthogonal>();
  if (!o.bias_initializer) o.bias_initializer = std::make_shared<initializers::Zeros>();
}

void fill_cell_defaults(GatedCellOptions& o) {
  fill_cell_defaults(static_cast<SimpleRNNCellOptions&>(o));
  if (!o.recurrent_activation) o.recurrent_activation = builtin_activation("sigmoid");
}

LayerArgs cell_layer_args(const LayerArgs& layer_args, std::string cell_name) {
  LayerArgs out;
  out.name = std::move(cell_name);
  out.trainable = layer_args.trainable;
  return out;
}

}  // namespace kplug::layers::detail
