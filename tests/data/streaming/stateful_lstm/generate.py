# Keras 3.16 (numpy backend) ground truth for tests/unit/test_recurrent_more.cpp: a stateful LSTM
# and GRU predicted on two successive chunks of a sequence (with reset_state, the first again).
import keras, numpy as np, json, os
from keras import layers
keras.utils.set_random_seed(7)
inp = keras.Input(batch_shape=(2, 4, 3), name="x")
h = layers.LSTM(5, stateful=True, return_sequences=True, name="lstm")(inp)
out = layers.GRU(2, stateful=True, name="gru")(h)
model = keras.Model(inp, [h, out], name="stateful_lstm")
rng = np.random.default_rng(3)
c1 = rng.normal(size=(2, 4, 3)).astype("float32")
c2 = rng.normal(size=(2, 4, 3)).astype("float32")
y1 = model.predict(c1, verbose=0, batch_size=2)
y2 = model.predict(c2, verbose=0, batch_size=2)
[l.reset_states() for l in model.layers if hasattr(l, "reset_states")]
y1b = model.predict(c1, verbose=0, batch_size=2)
print(np.abs(y1[0]-y1b[0]).max(), np.abs(y1[0]-y2[0]).max())
# whole sequence, not stateful, same weights
inp2 = keras.Input(batch_shape=(2, 8, 3))
l2 = layers.LSTM(5, return_sequences=True); g2 = layers.GRU(2)
m2 = keras.Model(inp2, [l2(inp2), g2(l2(inp2))])
l2.set_weights(model.get_layer("lstm").get_weights()); g2.set_weights(model.get_layer("gru").get_weights())
w = m2.predict(np.concatenate([c1, c2], axis=1), verbose=0)
print("whole vs chunks", np.abs(w[0][:, 4:] - y2[0]).max(), np.abs(w[1] - y2[1]).max())
d = os.path.dirname(os.path.abspath(__file__)); os.makedirs(d, exist_ok=True)
open(d + "/model.json", "w").write(model.to_json())
model.save_weights(d + "/model.weights.h5")
def t(a): return {"shape": list(a.shape), "data": a.reshape(-1).tolist()}
json.dump({"chunk1": t(c1), "chunk2": t(c2), "lstm1": t(y1[0]), "gru1": t(y1[1]), "lstm2": t(y2[0]), "gru2": t(y2[1])}, open(d + "/io.json", "w"))
# checks.json (the datasets, for tests/model_support.hpp's load_fixture_weights):
#   h5py.File("model.weights.h5").visititems(...) -> {"model_weights_h5_datasets": {path: [shape, dtype]}}
