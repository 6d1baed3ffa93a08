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

StackedRNNCells::StackedRNNCells(std::vector<std::shared_ptr<RecurrentCell>> cells, LayerArgs layer_args)
    : RecurrentCell(std::move(layer_args)), cells_(std::move(cells)) {
  if (cells_.empty()) throw ValueError("StackedRNNCells needs at least one cell, got an empty list");
  for (const auto& cell : cells_) {
    if (!cell) throw ValueError("StackedRNNCells: every cell must be a recurrent cell layer, got none");
  }
}

std::shared_ptr<StackedRNNCells> StackedRNNCells::from_config(const boost::json::object& config,
                                                              DeserializationContext& context) {
  ConfigReader reader(config, context, "StackedRNNCells");
  LayerArgs layer_args = LayerArgs::read(reader);
  const boost::json::value* list = reader.raw("cells");
  reader.finish();
  if (!list) reader.fail("cells", "missing required argument 'cells'");
  if (!list->is_array() || list->get_array().empty()) {
    reader.fail("cells", "expected a non-empty list of cell configs, got " + json::excerpt(*list));
  }
  std::vector<std::shared_ptr<RecurrentCell>> cells;
  DeserializationContext::PathScope scope(context, "cells");
  for (std::size_t i = 0; i < list->get_array().size(); ++i) {
    DeserializationContext::PathScope item(context, "[" + std::to_string(i) + "]");
    cells.push_back(detail::as_recurrent_cell(deserialize_layer(list->get_array()[i], context), context.path()));
  }
  return std::make_shared<StackedRNNCells>(std::move(cells), std::move(layer_args));
}

boost::json::object StackedRNNCells::get_config() const {
  boost::json::object config = base_config();
  boost::json::array cells;
  for (const auto& cell : cells_) cells.push_back(serialize_layer(*cell));
  config["cells"] = std::move(cells);
  return config;
}

std::vector<LayerAttribute> StackedRNNCells::layer_attributes() const {
  return {LayerAttribute{"cells", std::vector<LayerPtr>(cells_.begin(), cells_.end()), true}};
}

std::size_t StackedRNNCells::state_count() const {
  std::size_t n = 0;
  for (const auto& cell : cells_) n += cell->state_count();
  return n;
}

std::size_t StackedRNNCells::output_index() const {
  return state_count() - cells_.back()->state_count() + cells_.back()->output_index();
}

std::vector<PartialShape> StackedRNNCells::state_shapes(const PartialShape& input_shape) const {
  std::vector<PartialShape> out;
  PartialShape in = input_shape;
  for (const auto& cell : cells_) {
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
  for (const auto& cell : cells_) {
    cell->maybe_build({in});
    in = cell->state_shapes(in).at(cell->output_index());
  }
}

Tensor StackedRNNCells::project_inputs(const Tensor& x) const { return cells_.front()->project_inputs(x); }

std::vector<Tensor> StackedRNNCells::step(const Tensor& projected, const std::vector<Tensor>& states) const {
  std::vector<Tensor> out;
  out.reserve(states.size());
  Tensor input;
  std::size_t offset = 0;
  for (std::size_t i = 0; i < cells_.size(); ++i) {
    const RecurrentCell& cell = *cells_[i];
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
