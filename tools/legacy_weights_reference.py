"""Reference outputs for tests/unit/test_legacy_weights.cpp: Keras 2's CuDNNLSTM / CuDNNGRU
run on their stored arrays, computed from cuDNN's equations in numpy.

The stored arrays are what a Keras 2 file holds for the cuDNN layers (tf_keras/layers/rnn/
cudnn_lstm.py, cudnn_gru.py): Keras's gate order, each gate's kernel block handed to cuDNN
as a flat row-major buffer (canonical_to_params without transposing), which cuDNN reads as
its (units, input_dim) matrix W and computes W @ x; two biases per gate (input, recurrent).
CuDNNGRU hands the gates to cuDNN as (r, z, h) from Keras's stored (z, r, h).

Nothing here uses kplug's conversion. As a check of this reference, the script also converts
the arrays with tf-keras's formulas (hdf5_format._convert_rnn_weights, written out below),
runs real Keras 3's LSTM / GRU(reset_after=True) on them, and asserts the outputs agree.

Run (prints the C++ initializers pasted into the test):
  export KERAS_SRC=<keras 3.16 source> SCIPY_ROOT=<python3-scipy unpacked>  # Keras's numpy backend imports scipy
  . /work/shared/keras-reference/env.sh
  $PY tools/legacy_weights_reference.py
"""

import numpy as np

BATCH, STEPS, INPUT, UNITS = 2, 4, 3, 2


def values(shape, phase):
    """Exact in float32: ((7 i + phase) mod 17 - 8) / 16 over the flat index i (the test's)."""
    n = int(np.prod(shape))
    i = np.arange(n)
    return (((7 * i + phase) % 17 - 8) / 16.0).astype(np.float32).reshape(shape)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def cudnn_matrix(stored, gate, rows):
    """cuDNN's W (units, rows) from the stored (rows, gates * units) array's gate block."""
    block = stored[:, gate * UNITS:(gate + 1) * UNITS]
    return np.ascontiguousarray(block).reshape(-1).reshape(UNITS, rows).astype(np.float64)


def cudnn_lstm(x, kernel, recurrent, bias):
    # cuDNN's LSTM: gates i, f, c, o = Keras's stored blocks 0..3; biases input then recurrent.
    W = [cudnn_matrix(kernel, g, INPUT) for g in range(4)]
    R = [cudnn_matrix(recurrent, g, UNITS) for g in range(4)]
    bw = [bias[g * UNITS:(g + 1) * UNITS].astype(np.float64) for g in range(4)]
    br = [bias[(4 + g) * UNITS:(5 + g) * UNITS].astype(np.float64) for g in range(4)]
    out = np.zeros((BATCH, STEPS, UNITS))
    for b in range(BATCH):
        h = np.zeros(UNITS)
        c = np.zeros(UNITS)
        for t in range(STEPS):
            xt = x[b, t].astype(np.float64)
            z = [W[g] @ xt + bw[g] + R[g] @ h + br[g] for g in range(4)]
            i, f, o = sigmoid(z[0]), sigmoid(z[1]), sigmoid(z[3])
            c = f * c + i * np.tanh(z[2])
            h = o * np.tanh(c)
            out[b, t] = h
    return out


def cudnn_gru(x, kernel, recurrent, bias):
    # cuDNN's GRU gates (r, z, h) are Keras's stored blocks (1, 0, 2); the biases likewise
    # (input ones at [0, 3 units), recurrent ones at [3 units, 6 units)).
    def gate(stored, g, rows):
        return cudnn_matrix(stored, g, rows)

    def b(k):
        return bias[k * UNITS:(k + 1) * UNITS].astype(np.float64)

    Wr, Wz, Wh = gate(kernel, 1, INPUT), gate(kernel, 0, INPUT), gate(kernel, 2, INPUT)
    Rr, Rz, Rh = gate(recurrent, 1, UNITS), gate(recurrent, 0, UNITS), gate(recurrent, 2, UNITS)
    bWr, bWz, bWh, bRr, bRz, bRh = b(1), b(0), b(2), b(4), b(3), b(5)
    out = np.zeros((BATCH, STEPS, UNITS))
    for n in range(BATCH):
        h = np.zeros(UNITS)
        for t in range(STEPS):
            xt = x[n, t].astype(np.float64)
            r = sigmoid(Wr @ xt + bWr + Rr @ h + bRr)
            z = sigmoid(Wz @ xt + bWz + Rz @ h + bRz)
            hh = np.tanh(Wh @ xt + bWh + r * (Rh @ h + bRh))
            h = (1 - z) * hh + z * h
            out[n, t] = h
    return out


def tf_keras_conversion(kernel, recurrent, bias, gates, lstm):
    """hdf5_format._convert_rnn_weights(from_cudnn=True), as tf-keras writes it."""

    def per_gate(k, f):
        return np.hstack([f(part) for part in np.hsplit(k, gates)])

    kernels = per_gate(kernel, lambda k: k.T.reshape(k.shape, order="F"))
    recurrents = per_gate(recurrent, lambda k: k.T)
    if lstm:
        biases = np.sum(np.split(bias, 2, axis=0), axis=0)
    else:
        biases = np.array(bias).reshape((2, -1))
    return [kernels, recurrents, biases]


def keras3_output(layer, x, weights):
    layer.build((None, STEPS, INPUT))
    layer.set_weights(weights)
    return np.asarray(layer(x))


def cpp(name, array):
    flat = ", ".join("%.9gf" % v for v in np.asarray(array, dtype=np.float64).reshape(-1))
    return "const std::vector<float> %s{%s};" % (name, flat)


def main():
    import keras

    x = values((BATCH, STEPS, INPUT), 5)
    lstm_stored = [values((INPUT, 4 * UNITS), 1), values((UNITS, 4 * UNITS), 2), values((8 * UNITS,), 3)]
    gru_stored = [values((INPUT, 3 * UNITS), 11), values((UNITS, 3 * UNITS), 12), values((6 * UNITS,), 13)]

    lstm_ref = cudnn_lstm(x, *lstm_stored)
    gru_ref = cudnn_gru(x, *gru_stored)

    lstm_keras = keras3_output(keras.layers.LSTM(UNITS, return_sequences=True), x,
                               tf_keras_conversion(*lstm_stored, gates=4, lstm=True))
    gru_keras = keras3_output(keras.layers.GRU(UNITS, return_sequences=True, reset_after=True), x,
                              tf_keras_conversion(*gru_stored, gates=3, lstm=False))
    np.testing.assert_allclose(lstm_keras, lstm_ref, atol=1e-6)
    np.testing.assert_allclose(gru_keras, gru_ref, atol=1e-6)
    # The kernels' layout matters at this size: left as stored, they give other outputs.
    lstm_naive = keras3_output(keras.layers.LSTM(UNITS, return_sequences=True), x,
                               lstm_stored[:2] + tf_keras_conversion(*lstm_stored, gates=4, lstm=True)[2:])
    assert np.abs(lstm_naive - lstm_ref).max() > 1e-2

    print("// tools/legacy_weights_reference.py: cuDNN's equations on the stored arrays.")
    print(cpp("kCudnnLstmOutput", lstm_ref))
    print(cpp("kCudnnGruOutput", gru_ref))


if __name__ == "__main__":
    main()
