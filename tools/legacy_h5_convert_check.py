"""Acceptance check for issue 18's `kplug convert`: every loadable legacy `.h5` of tests/data/legacy_h5
is converted to a `.keras` archive by kplug, then loaded by real Keras 3 (`keras.saving.load_model`,
safe mode, compile=False) and run on the case's io.json inputs: the predictions must equal io.json
(1e-5 abs + 1e-4 rel). Needs only `import keras` (numpy backend is enough).

    python3 tools/legacy_h5_convert_check.py build/core/cli/kplug [case ...]
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "numpy")
import keras  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "legacy_h5")


def cases():
    for group in ("keras3", "keras2"):
        folder = os.path.join(ROOT, group)
        for name in sorted(os.listdir(folder)):
            model = os.path.join(folder, name, "model.h5")
            if os.path.exists(model):
                yield f"{group}/{name}", model, os.path.join(folder, name, "io.json")


def arrays(entries):
    return {e["name"]: np.asarray(e["data"], dtype=e["dtype"]).reshape(e["shape"]) for e in entries}


def check(kplug, label, model_h5, io_file, scratch):
    target = os.path.join(scratch, label.replace("/", "_") + ".keras")
    done = subprocess.run([kplug, "convert", model_h5, target], capture_output=True, text=True)
    if done.returncode != 0:
        return f"kplug convert failed: {done.stderr.strip()}"
    model = keras.saving.load_model(target, compile=False)
    io = json.load(open(io_file))
    inputs = arrays(io["inputs"])
    ordered = [inputs[name] for name in [t.name.split(":")[0] for t in model.inputs]] if len(inputs) > 1 else \
        list(inputs.values())
    predicted = model.predict(ordered if len(ordered) > 1 else ordered[0], verbose=0)
    if not isinstance(predicted, (list, tuple)):
        predicted = [predicted]
    expected = list(arrays(io["outputs"]).values())
    for got, want in zip(predicted, expected):
        if got.shape != want.shape or not np.allclose(got, want, atol=1e-5, rtol=1e-4):
            return f"predictions differ: max abs {np.max(np.abs(got - want)) if got.shape == want.shape else 'shape'}"
    return "ok"


def main():
    kplug = sys.argv[1]
    wanted = set(sys.argv[2:])
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for label, model_h5, io_file in cases():
            if wanted and label not in wanted:
                continue
            try:
                results[label] = check(kplug, label, model_h5, io_file, scratch)
            except Exception as e:  # Keras's own refusal is a result to report
                results[label] = f"Keras failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}"
            print(f"{label}: {results[label]}", flush=True)
    ok = sum(1 for r in results.values() if r == "ok")
    print(f"{ok} of {len(results)} converted archives load in Keras {keras.__version__} and predict io.json")


if __name__ == "__main__":
    main()
