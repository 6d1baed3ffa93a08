"""Real Keras 3.16 loads legacy `.h5` files that kplug wrote and predicts io.json exactly.

    kplug convert tests/data/legacy_h5/writer/<name>/model.keras OUT/<name>.h5   (each name)
    $PY tools/legacy_h5/verify_with_keras.py tests/data/legacy_h5/writer OUT

For each OUT/<name>.h5: keras.saving.load_model(compile=False) predicts the fixture's io.json
bit for bit; load_model(compile=True) either compiles (optimizer iterations reported) or fails
as it fails on Keras's own file for the same model (Keras's model.h5 beside io.json).
Prints one line per file and exits 1 on any mismatch.
"""

import json
import os
import sys

import numpy as np

import keras


def inputs_of(io):
    arrays = [np.asarray(i["data"], dtype=i["dtype"]).reshape(i["shape"]) for i in io["inputs"]]
    return arrays[0] if len(arrays) == 1 else arrays


def compile_true(path):
    try:
        model = keras.saving.load_model(path)
    except Exception as e:  # report Keras's own failure, compared below with its own file's
        return f"error {type(e).__name__}: {e}"
    if getattr(model, "optimizer", None) is None:
        return "loaded, not compiled"
    return f"compiled, optimizer {model.optimizer.name} iterations {int(model.optimizer.iterations.numpy())}"


def main(fixtures, written):
    failed = False
    for file in sorted(f for f in os.listdir(written) if f.endswith(".h5")):
        name = file[: -len(".h5")]
        path = os.path.join(written, file)
        io = json.load(open(os.path.join(fixtures, name, "io.json")))
        model = keras.saving.load_model(path, compile=False)
        got = np.asarray(model.predict(inputs_of(io), verbose=0))
        expected = io["outputs"][0]
        want = np.asarray(expected["data"], dtype=expected["dtype"]).reshape(expected["shape"])
        exact = got.dtype == want.dtype and got.shape == want.shape and np.array_equal(got, want)
        mine = compile_true(path)
        theirs = compile_true(os.path.join(fixtures, name, "model.h5"))
        same = mine == theirs
        failed |= not (exact and same)
        print(
            f"{name}: predict {'bit-exact' if exact else 'DIFFERS (max abs %g)' % np.max(np.abs(got - want))}; "
            f"compile=True: {mine}" + ("" if same else f" (Keras's own file: {theirs})")
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
