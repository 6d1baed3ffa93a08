// preprocess_weights_for_loading: wrappers and nested models hand each inner layer its share
// of the stored arrays (tf-keras's convert_nested_*); a plain layer goes through the
// conversions of conversions.hpp in tf-keras's order.
#include "kplug/saving/legacy_weights.hpp"

#include "kplug/layers/rnn.hpp"
#include "kplug/models/model.hpp"
#include "saving/legacy/conversions.hpp"

#include <cstddef>
#include <iterator>
#include <utility>

namespace kplug::saving::legacy {

namespace detail {

std::string describe(const Layer& layer, const std::string& where) {
  return where + " (" + layer.class_name() + " '" + layer.name() + "')";
}

}  // namespace detail

namespace {

// Where an inner layer's arrays are, for messages: the stored group, then the layers within.
std::string inner_where(const std::string& where, const Layer& inner) { return where + " > " + inner.name(); }

std::vector<Tensor> take(std::vector<Tensor>& from, std::size_t& next, std::size_t count) {
  std::vector<Tensor> out;
  for (; count > 0 && next < from.size(); --count) out.push_back(std::move(from[next++]));
  return out;
}

void append(std::vector<Tensor>& to, std::vector<Tensor> from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

// Keras 2 stores a Bidirectional's forward layer's arrays, then the backward layer's.
std::vector<Tensor> convert_bidirectional(const layers::Bidirectional& layer, std::vector<Tensor> weights,
                                          const WeightsOrigin& origin, const std::string& where) {
  if (weights.size() % 2 != 0) return weights;  // the loader reports the count
  const auto half = static_cast<std::ptrdiff_t>(weights.size() / 2);
  std::vector<Tensor> forward(std::make_move_iterator(weights.begin()),
                              std::make_move_iterator(weights.begin() + half));
  std::vector<Tensor> backward(std::make_move_iterator(weights.begin() + half), std::make_move_iterator(weights.end()));
  auto out = preprocess_weights_for_loading(*layer.forward_layer(), std::move(forward), origin,
                                            inner_where(where, *layer.forward_layer()));
  auto converted_backward = preprocess_weights_for_loading(*layer.backward_layer(), std::move(backward), origin,
                                                           inner_where(where, *layer.backward_layer()));
  append(out, std::move(converted_backward));
  return out;
}

// A nested model stores all its trainable arrays, then all its non-trainable ones (Keras's
// _legacy_weights), each list its own weights' first, then its layers' in order; each
// sublayer's share of both lists is converted as that sublayer.
std::vector<Tensor> convert_model(const Model& model, std::vector<Tensor> weights, const WeightsOrigin& origin,
                                  const std::string& where) {
  // Shares come from the layers' counts: with another count they would be guesses.
  if (weights.size() != model.weights().size()) return weights;
  const std::size_t trainable_count = model.trainable_weights().size();
  std::vector<Tensor> trainable_in(std::make_move_iterator(weights.begin()),
                                   std::make_move_iterator(weights.begin() + trainable_count));
  std::vector<Tensor> non_trainable_in(std::make_move_iterator(weights.begin() + trainable_count),
                                       std::make_move_iterator(weights.end()));
  std::size_t next_trainable = 0, next_non_trainable = 0;
  // An untrainable model lists every weight as non-trainable.
  const auto own = model.own_variables();
  std::size_t own_trainable = 0;
  for (const auto& v : own) own_trainable += model.trainable() && v->trainable() ? 1 : 0;
  std::vector<Tensor> trainable_out = take(trainable_in, next_trainable, own_trainable);
  std::vector<Tensor> non_trainable_out = take(non_trainable_in, next_non_trainable, own.size() - own_trainable);
  for (const auto& sublayer : model.layers()) {
    const std::size_t all = sublayer->weights().size();
    if (all == 0) continue;
    const std::size_t trainable = model.trainable() ? sublayer->trainable_weights().size() : 0;
    auto share = take(trainable_in, next_trainable, trainable);
    append(share, take(non_trainable_in, next_non_trainable, all - trainable));
    auto converted = preprocess_weights_for_loading(*sublayer, std::move(share), origin, inner_where(where, *sublayer));
    for (std::size_t i = 0; i < converted.size(); ++i) {
      (i < trainable ? trainable_out : non_trainable_out).push_back(std::move(converted[i]));
    }
  }
  append(trainable_out, std::move(non_trainable_out));
  return trainable_out;
}

// Keras 2 marks files without the attribute "1"; Keras 1.2 wrote its own version ("1.2.2") at
// the root of model files, which keeps Keras 1's layouts too.
bool is_keras1(const std::string& version) { return version == "1" || version.starts_with("1."); }

}  // namespace

std::vector<Tensor> preprocess_weights_for_loading(const Layer& layer, std::vector<Tensor> weights,
                                                   const WeightsOrigin& origin, const std::string& where) {
  if (const auto* bidirectional = dynamic_cast<const layers::Bidirectional*>(&layer)) {
    return convert_bidirectional(*bidirectional, std::move(weights), origin, where);
  }
  if (const auto* time_distributed = dynamic_cast<const layers::TimeDistributed*>(&layer)) {
    const Layer& inner = *time_distributed->layer();
    return preprocess_weights_for_loading(inner, std::move(weights), origin, inner_where(where, inner));
  }
  if (const auto* model = dynamic_cast<const Model*>(&layer)) {
    return convert_model(*model, std::move(weights), origin, where);
  }
  detail::refuse_theano_kernels(layer, weights, origin, where);
  if (is_keras1(origin.keras_version))
    weights = detail::convert_keras1_weights(layer, std::move(weights), origin, where);
  weights = detail::convert_conv_kernel_layout(layer, std::move(weights));
  return detail::convert_cudnn_weights(layer, std::move(weights), where);
}

}  // namespace kplug::saving::legacy
