// Stateful recurrent layers and StreamingSession (issue 20), worked by hand on a SimpleRNN
// with h_t = x_t + 0.5 h_(t-1); the fixture-driven streaming checks are in test_models.
#define BOOST_TEST_MODULE streaming
#include <boost/test/unit_test.hpp>

#include "kplug/errors.hpp"
#include "kplug/layers/layer_io.hpp"
#include "kplug/layers/rnn.hpp"
#include "kplug/models/model.hpp"
#include "kplug/models/streaming.hpp"
#include "layer_support.hpp"
#include "test_support.hpp"

#include <initializer_list>
#include <string>
#include <vector>

using namespace kplug;

namespace {

using kplug::test::contains;
using kplug::test::error_of;
using test::layer_from;

// h_t = x_t + 0.5 h_(t-1): SimpleRNN(1, linear, no bias), kernel 1, recurrent kernel 0.5.
void set_half_memory(Layer& rnn) { rnn.set_weights({Tensor::matrix({{1}}), Tensor::matrix({{0.5f}})}); }

// x (1, steps, 1).
Tensor steps(std::initializer_list<float> values) {
  return Tensor({1, static_cast<std::int64_t>(values.size()), 1}, std::vector<float>(values));
}

// A Sequential model: Input (None, None, 1) and `layers` (JSON layer dicts).
ModelPtr sequential_of(const std::string& layers) {
  return model_from_json(
      R"({"module": "keras", "class_name": "Sequential", "config": {"name": "s", "trainable": true, "layers": [)"
      R"({"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, null, 1], "dtype": "float32", "name": "x"}}, )" +
      layers + "]}}");
}

const std::string kHalfMemory =
    R"({"module": "keras.layers", "class_name": "SimpleRNN", "config": {"name": "rnn", "units": 1, "activation": "linear", "use_bias": false, "return_sequences": true}})";

}  // namespace

// x = 1, 2 then 3, 4: h = 1, 2.5 then 4.25, 6.125 (the second call goes on from 2.5).
BOOST_AUTO_TEST_CASE(stateful_simple_rnn_goes_on_from_the_last_call) {
  auto rnn = layer_from("SimpleRNN", R"({"units": 1, "activation": "linear", "use_bias": false, "stateful": true,
                                        "return_sequences": true})");
  rnn->maybe_build({PartialShape{1, std::nullopt, 1}});
  set_half_memory(*rnn);
  test::check_close((*rnn)(steps({1, 2})), steps({1, 2.5f}));
  test::check_close((*rnn)(steps({3, 4})), steps({4.25f, 6.125f}));
  // Another batch size than the carried states': Keras's error, naming the layer.
  const std::string batch = error_of<ValueError>([&] { (*rnn)(Tensor({2, 1, 1}, 1.0f)); });
  BOOST_CHECK_MESSAGE(contains(batch, "simple_rnn") && contains(batch, "Expected batch size: 1"), batch);
  reset_states(*rnn);
  test::check_close((*rnn)(steps({3, 4})), steps({3, 5.5f}));
  // An explicit initial state wins over the carried one: h0 = 2 -> 3 + 1, 4 + 2.
  CallArgs args({steps({3, 4})});
  args.tensor_kwargs["initial_state"] = {Tensor::matrix({{2}})};
  test::check_close((*rnn)(args)[0], steps({4, 6}));
}

// The same layer, not stateful, in a streamed model: chunks [1, 2], [3, 4] give the whole
// sequence's [1, 2.5, 4.25, 6.125]; after the session each predict starts from zeros.
BOOST_AUTO_TEST_CASE(streaming_a_simple_rnn_by_hand) {
  ModelPtr model = sequential_of(kHalfMemory + R"(, {"module": "keras.layers", "class_name": "Dense", "config": )"
                                               R"({"name": "d", "units": 1, "use_bias": false}})");
  set_half_memory(*model->get_layer("rnn"));
  model->get_layer("d")->set_weights({Tensor::matrix({{2}})});
  {
    StreamingSession session(*model);
    BOOST_CHECK(session.output_is_sequence(0));
    test::check_close(session.predict({steps({1, 2})})[0], steps({2, 5}));
    test::check_close(session.predict({steps({3})})[0], steps({8.5f}));
    test::check_close(session.predict({steps({4})})[0], steps({12.25f}));
    BOOST_CHECK(contains(error_of<ValueError>([&] { session.predict({Tensor({1, 0, 1}, 0.0f)}); }), "one step"));
  }
  test::check_close(model->predict({steps({3, 4})})[0], steps({6, 11}));
}

// Layers that need more than the past of a step are refused, naming them.
BOOST_AUTO_TEST_CASE(streaming_refuses_non_causal_layers) {
  ModelPtr conv = sequential_of(
      R"({"module": "keras.layers", "class_name": "Conv1D", "config": {"name": "conv", "filters": 1, "kernel_size": 3, "padding": "same"}}, )" +
      kHalfMemory);
  const std::string message = error_of<NotSupportedError>([&] { StreamingSession session(*conv); });
  BOOST_CHECK_MESSAGE(contains(message, "'conv' (Conv1D)"), message);
  ModelPtr backwards = sequential_of(
      R"({"module": "keras.layers", "class_name": "SimpleRNN", "config": {"name": "back", "units": 1, "go_backwards": true}})");
  BOOST_CHECK(contains(error_of<NotSupportedError>([&] { StreamingSession session(*backwards); }), "go_backwards"));
  // After the RNN's last output there is no time axis: any layer may follow.
  ModelPtr last = sequential_of(
      R"({"module": "keras.layers", "class_name": "SimpleRNN", "config": {"name": "rnn", "units": 2}}, )"
      R"({"module": "keras.layers", "class_name": "Reshape", "config": {"name": "r", "target_shape": [2, 1]}}, )"
      R"({"module": "keras.layers", "class_name": "Flatten", "config": {"name": "f"}})");
  StreamingSession session(*last);
  BOOST_CHECK(!session.output_is_sequence(0));
}
