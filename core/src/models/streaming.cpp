// StreamingSession and reset_states: which layers see the time axis (a taint walk over the
// model's graph, as its config describes it), the check that each of them is causal, and
// the recurrent layers that carry their states from chunk to chunk.
#include "kplug/models/streaming.hpp"

#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/rnn.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace kplug {
namespace {

using boost::json::value;

// Layers computing each time step from that step alone (at inference).
constexpr std::array<std::string_view, 23> kPerStep = {"InputLayer",      "Dense",
                                                       "Activation",      "ReLU",
                                                       "LeakyReLU",       "ELU",
                                                       "Dropout",         "SpatialDropout1D",
                                                       "GaussianNoise",   "GaussianDropout",
                                                       "AlphaDropout",    "ActivityRegularization",
                                                       "Masking",         "Embedding",
                                                       "TimeDistributed", "Identity",
                                                       "Rescaling",       "Add",
                                                       "Subtract",        "Multiply",
                                                       "Average",         "Maximum",
                                                       "Minimum"};
// The same when their `axis` is the last one.
constexpr std::array<std::string_view, 5> kLastAxis = {"Concatenate", "LayerNormalization", "BatchNormalization",
                                                       "UnitNormalization", "Softmax"};

bool is_last_axis(const value& axis, std::size_t rank) {
  if (const auto* list = axis.if_array()) return list->size() == 1 && is_last_axis(list->front(), rank);
  return axis.is_int64() && (axis.get_int64() == -1 || axis.get_int64() == static_cast<std::int64_t>(rank) - 1);
}

// The rank of the layer's first input, as it was built.
std::size_t input_rank(const Layer& layer) {
  const auto& shapes = layer.build_shapes();
  return shapes && !shapes->empty() ? shapes->front().rank() : 0;
}

[[noreturn]] void not_streamable(const Layer& layer, const std::string& why) {
  throw NotSupportedError("cannot stream through layer '" + layer.name() + "' (" + layer.class_name() + "): " + why +
                          " (streaming needs every layer that sees the time axis to compute each step from that "
                          "step and the past only)");
}

class Walk {
 public:
  // Which outputs of `model` have a time axis, for inputs that all have one.
  std::vector<bool> model(const Model& model, const std::vector<bool>& inputs_time);
  std::vector<layers::BaseRNN*> streamed;

 private:
  std::vector<bool> layer(Layer& layer, bool input_time);
  std::vector<bool> sequential(const Model& model, bool input_time);
  std::vector<bool> functional(const Model& model, const std::vector<bool>& inputs_time);
};

std::vector<bool> Walk::layer(Layer& layer, bool input_time) {
  if (!input_time) return {false};  // nothing here sees the time axis
  if (auto* nested = dynamic_cast<Model*>(&layer)) return model(*nested, {true});
  if (dynamic_cast<layers::Bidirectional*>(&layer)) not_streamable(layer, "it reads the sequence backwards too");
  if (auto* rnn = dynamic_cast<layers::BaseRNN*>(&layer)) {
    const layers::RecurrentOptions& o = rnn->recurrent_options();
    if (o.go_backwards) not_streamable(layer, "it runs with go_backwards=True");
    streamed.push_back(rnn);
    return {o.return_sequences, false};  // the states have no time axis
  }
  const std::string name = layer.class_name();
  if (std::find(kPerStep.begin(), kPerStep.end(), name) != kPerStep.end()) return {true};
  if (std::find(kLastAxis.begin(), kLastAxis.end(), name) != kLastAxis.end()) {
    const boost::json::object config = layer.get_config();
    const value* axis = config.if_contains("axis");
    if (axis && is_last_axis(*axis, input_rank(layer))) return {true};
    not_streamable(layer, "its axis is not the last one");
  }
  not_streamable(layer, "it is not known to compute each time step on its own");
}

std::vector<bool> Walk::sequential(const Model& model, bool input_time) {
  std::vector<bool> time{input_time};
  for (const LayerPtr& l : model.layers()) time = layer(*l, time.front());
  return time;
}

// Every "__keras_tensor__" history [layer, node, index] in `v`, in order (dicts by sorted key).
void histories(const value& v, std::vector<const boost::json::array*>& out) {
  if (const auto* list = v.if_array()) {
    const bool triple = list->size() == 3 && (*list)[0].is_string() && (*list)[1].is_int64();
    if (triple) {
      out.push_back(list);
      return;
    }
    for (const value& item : *list) histories(item, out);
  } else if (const auto* dict = v.if_object()) {
    const value* class_name = dict->if_contains("class_name");
    if (class_name && class_name->is_string() && class_name->get_string() == "__keras_tensor__") {
      if (const auto* history = dict->at("config").as_object().if_contains("keras_history")) histories(*history, out);
      return;
    }
    std::vector<std::string_view> keys;
    for (const auto& item : *dict) keys.push_back(item.key());
    std::sort(keys.begin(), keys.end());
    for (std::string_view key : keys) histories(dict->at(key), out);
  }
}

// A tensor's time flag: its node's outputs, by index (one flag: all of them). Unknown: true.
using NodeTimes = std::map<std::pair<std::string, std::int64_t>, std::vector<bool>>;
bool time_of(const NodeTimes& times, const boost::json::array& history) {
  auto it = times.find({std::string(history[0].as_string()), history[1].as_int64()});
  if (it == times.end()) return true;
  const std::size_t index = static_cast<std::size_t>(history[2].to_number<std::int64_t>());
  return it->second.size() == 1 ? it->second[0] : it->second.at(index);
}

std::vector<bool> Walk::functional(const Model& model, const std::vector<bool>& inputs_time) {
  const boost::json::object config = model.get_config();
  NodeTimes times;
  std::vector<const boost::json::array*> inputs;
  histories(config.at("input_layers"), inputs);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    times[{std::string(inputs[i]->at(0).as_string()), 0}] = {inputs_time.at(std::min(i, inputs_time.size() - 1))};
  }
  for (const value& entry : config.at("layers").as_array()) {
    const auto& layer_config = entry.as_object();
    const std::string name(layer_config.at("name").as_string());
    const auto& nodes = layer_config.at("inbound_nodes").as_array();
    for (std::size_t n = 0; n < nodes.size(); ++n) {
      std::vector<const boost::json::array*> sources;
      histories(nodes[n], sources);
      bool any = false;
      for (const auto* h : sources) any = any || time_of(times, *h);
      times[{name, static_cast<std::int64_t>(n)}] = layer(*model.get_layer(name), any);
    }
  }
  std::vector<const boost::json::array*> outputs;
  histories(config.at("output_layers"), outputs);
  std::vector<bool> out;
  for (const auto* h : outputs) out.push_back(time_of(times, *h));
  return out;
}

std::vector<bool> Walk::model(const Model& model, const std::vector<bool>& inputs_time) {
  const boost::json::object config = model.get_config();
  if (config.contains("input_layers")) return functional(model, inputs_time);
  if (model.class_name() == "Sequential") return sequential(model, inputs_time.at(0));
  not_streamable(model, "its graph is not a Functional or Sequential one");
}

void reset_all(Layer& layer) {
  if (auto* rnn = dynamic_cast<layers::BaseRNN*>(&layer)) rnn->reset_states();
  if (auto* model = dynamic_cast<Model*>(&layer)) {
    for (const LayerPtr& l : model->layers()) reset_all(*l);
    return;
  }
  for (const LayerAttribute& attribute : layer.layer_attributes()) {
    for (const LayerPtr& l : attribute.layers) {
      if (l) reset_all(*l);
    }
  }
}

}  // namespace

void reset_states(Layer& layer) { reset_all(layer); }

StreamingSession::StreamingSession(Model& model) : model_(model) {
  for (const auto& input : model.input_layers()) {
    if (input->batch_shape().rank() < 2) {
      throw NotSupportedError("cannot stream model '" + model.name() + "': its input '" + input->name() +
                              "' has no time axis (shape " + input->batch_shape().to_string() + ")");
    }
  }
  Walk walk;
  sequence_outputs_ = walk.model(model, {true});
  streamed_ = std::move(walk.streamed);
  for (layers::BaseRNN* rnn : streamed_) rnn->set_streaming(true);
  reset();
}

StreamingSession::~StreamingSession() {
  for (layers::BaseRNN* rnn : streamed_) rnn->set_streaming(false);
  reset();
}

std::vector<Tensor> StreamingSession::predict(const std::vector<Tensor>& chunk) {
  const auto inputs = model_.input_layers();
  if (chunk.size() != inputs.size()) {
    throw ValueError("Model '" + model_.name() + "' expects " + std::to_string(inputs.size()) +
                     " input chunk(s), got " + std::to_string(chunk.size()));
  }
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    PartialShape want = inputs[i]->batch_shape();
    want[0] = std::nullopt;  // any rows (the same in every chunk: the states check it)
    want[1] = std::nullopt;  // any number of steps
    if (!want.compatible_with(chunk[i].shape()) || chunk[i].dim(1) == 0) {
      throw ValueError("Input chunk " + std::to_string(i) + " ('" + inputs[i]->name() + "') of model '" +
                       model_.name() + "' must have shape " + want.to_string() + " with at least one step, got " +
                       shape_repr(chunk[i].shape()));
    }
  }
  CallArgs args(chunk);  // one batch: predict would split the rows, and their states
  return model_(args);
}

void StreamingSession::reset() {
  for (layers::BaseRNN* rnn : streamed_) rnn->reset_states();
}

}  // namespace kplug
