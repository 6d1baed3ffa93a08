// Recurrent models over a sequence one chunk of time steps at a time, and Keras's
// reset_states.
//
//   kplug::StreamingSession session(model);         // states start at zeros
//   for (const kplug::Tensor& chunk : chunks) {      // (batch, steps, features...) each
//     auto outputs = session.predict({chunk});
//   }
//
// Each recurrent layer the sequence reaches starts a chunk from the states the previous
// chunk ended with, so the chunks' outputs concatenated along the time axis equal one
// predict on the whole sequence (outputs with a time axis: output_is_sequence(i)); an
// output without one (an RNN's last output, return_sequences=False) is, after the last
// chunk, the whole sequence's. Streaming needs every layer that sees the time axis to
// compute each step from that step and the past only: recurrent layers running forwards
// and layers acting on each time step alone (Dense, Embedding, activations, dropout,
// normalization over the last axis, merges, TimeDistributed, ...). Any other (Bidirectional,
// go_backwards, convolutions or pooling over time, attention, Flatten, ...) is a
// NotSupportedError naming the layer.
#pragma once

#include "kplug/layers/layer.hpp"
#include "kplug/models/model.hpp"
#include "kplug/tensor.hpp"

#include <cstddef>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

namespace layers {
class BaseRNN;
}

// Keras's reset_state(s) for a layer or a model: every recurrent layer in it (stateful ones,
// and those a streaming session streams) starts its next call from zeros.
void reset_states(Layer& layer);

class StreamingSession {
 public:
  // Checks that `model` can stream (NotSupportedError naming the first layer that cannot)
  // and starts its recurrent layers from zeros. The model must outlive the session, and
  // nothing else should call it meanwhile.
  explicit StreamingSession(Model& model);
  // Stops carrying states and resets them.
  ~StreamingSession();
  StreamingSession(const StreamingSession&) = delete;
  StreamingSession& operator=(const StreamingSession&) = delete;

  // The model's outputs for the next chunk of every input, (batch, steps, ...) with the
  // same batch for every chunk (one batch: rows are never split).
  std::vector<Tensor> predict(const std::vector<Tensor>& chunk);
  // Back to the start of a sequence (zero states).
  void reset();
  // Whether output i has a time axis (its chunks concatenate along axis 1).
  bool output_is_sequence(std::size_t i) const { return sequence_outputs_.at(i); }

 private:
  Model& model_;
  std::vector<layers::BaseRNN*> streamed_;  // owned by the model
  std::vector<bool> sequence_outputs_;
};

}  // namespace kplug
#pragma GCC visibility pop
