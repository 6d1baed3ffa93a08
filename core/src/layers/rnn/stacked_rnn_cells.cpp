// StackedRNNCells (keras/src/layers/rnn/stacked_rnn_cells.py): cells chained within a step.
// Only the first cell's input projection can be done for every time step at once; the
// others project their predecessor's output at each step.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/serialization.hpp"
#include "layers/rnn/rnn_fields.hpp"

namespace kplug::layers {

const config::Fields<StackedRNNCells::Options>& StackedRNNCells::fields() {
  static const config::Fields<Options> list{
      config::custom_field<Options>(
          "cells",
          [](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& o) {
            if (!v.is_array() || v.get_array().empty()) {
              r.fail(k, "expected a non-empty list of cell configs, got " + json::excerpt(v));
            }
            DeserializationContext& context = r.context();
            DeserializationContext::PathScope scope(context, k);
            for (std::size_t i = 0; i < v.get_array().size(); ++i) {
              DeserializationContext::PathScope item(context, "[" + std::to_string(i) + "]");
              o.cells.push_back(
                  detail::as_recurrent_cell(deserialize_layer(v.get_array()[i], context), context.path()));
            }
          },
          [](const Options& o) {
            boost::json::array cells;
            for (const auto& cell : o.cells) cells.push_back(serialize_layer(*cell));
            return boost::json::value(std::move(cells));
          })
          .required()};
  return list;
}

StackedRNNCells::StackedRNNCells(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  if (cells().empty()) throw ValueError("StackedRNNCells needs at least one cell, got an empty list");
  for (const auto& cell : cells()) {
    if (!cell) throw ValueError("StackedRNNCells: every cell must be a recurrent cell layer, got none");
  }
}

std::vector<LayerAttribute> StackedRNNCells::layer_attributes() const {
  return {LayerAttribute{"cells", std::vector<LayerPtr>(cells().begin(), cells().end()), true}};
}

std::size_t StackedRNNCells::state_count() const {
  std::size_t n = 0;
  for (const auto& cell : cells()) n += cell->state_count();
  return n;
}

std::size_t StackedRNNCells::output_index() const {
  return state_count() - cells().back()->state_count() + cells().back()->output_index();
}

std::vector<PartialShape> StackedRNNCells::state_shapes(const PartialShape& input_shape) const {
  std::vector<PartialShape> out;
  PartialShape in = input_shape;
  for (const auto& cell : cells()) {
    std::vector<PartialShape> shapes = cell->state_shapes(in);
    in = shapes.at(cell->output_index());
    out.insert(out.end(), shapes.begin(), shapes.end());
  }
  return out;
}

void StackedRNNCells::build(const std::vector<PartialShape>& input_shapes) {
  if (input_shapes.empty()) fail("expects inputs to build");
  // Each cell is built on its predecessor's output, as Keras's build does.
  PartialShape in = input_shapes[0];
  for (const auto& cell : cells()) {
    cell->maybe_build({in});
    in = cell->state_shapes(in).at(cell->output_index());
  }
}

Tensor StackedRNNCells::project_inputs(const Tensor& x) const { return cells().front()->project_inputs(x); }

std::vector<Tensor> StackedRNNCells::step(const Tensor& projected, const std::vector<Tensor>& states) const {
  std::vector<Tensor> out;
  out.reserve(states.size());
  Tensor input;
  std::size_t offset = 0;
  for (std::size_t i = 0; i < cells().size(); ++i) {
    const RecurrentCell& cell = *cells()[i];
    const auto first = states.begin() + static_cast<std::ptrdiff_t>(offset);
    const std::vector<Tensor> own(first, first + static_cast<std::ptrdiff_t>(cell.state_count()));
    std::vector<Tensor> next = cell.step(i == 0 ? projected : cell.project_inputs(input), own);
    input = next.at(cell.output_index());
    for (auto& s : next) out.push_back(std::move(s));
    offset += cell.state_count();
  }
  return out;
}

}  // namespace kplug::layers
