# Keras 3.16's to_json() of the seq2seq model test_legacy_config.cpp writes in Keras 2 dialects:
# enc_in (4, 2) -> LSTM "enc" (3, return_state); dec_in (5, 2) -> LSTM "dec" (3,
# return_sequences, initial_state=[h, c]) -> Dense "out" (1). Run with the keras-reference env.
import keras
enc_in = keras.Input((4, 2), name="enc_in")
dec_in = keras.Input((5, 2), name="dec_in")
_, h, c = keras.layers.LSTM(3, return_state=True, name="enc")(enc_in)
seq = keras.layers.LSTM(3, return_sequences=True, name="dec")(dec_in, initial_state=[h, c])
out = keras.layers.Dense(1, name="out")(seq)
model = keras.Model([enc_in, dec_in], out, name="s2s")
open("keras3_to_json.json", "w").write(model.to_json())
