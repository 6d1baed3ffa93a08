#!/usr/bin/env python3
"""Runs real Keras 3 over the legacy `.h5` corpus (needs `import keras`, any backend).

1. tests/data/legacy_h5/keras3/*/model.h5 (files written by Keras 3's own legacy
   writer): load_model(compile=False), write after_load.json = {"to_json", "summary"}.
2. tests/data/legacy_h5/keras2/*: try Keras 3 on every Keras 2-style file (load_model,
   or model_from_json + load_weights for model.json + weights.h5), predict io.json's
   inputs, and write keras2/keras3_verdict.json: whether it loads, whether it
   reproduces io.json (max abs difference), or the error message.

Usage: legacy_h5_keras3_check.py [LEGACY_H5_ROOT] (default tests/data/legacy_h5).
"""

import json
import os
import sys
import traceback

import numpy as np

import keras


def read_io(folder):
    with open(os.path.join(folder, "io.json")) as f:
        io = json.load(f)

    def arr(t):
        return np.asarray(t["data"], dtype=t["dtype"]).reshape(t["shape"])

    return [arr(t) for t in io["inputs"]], [arr(t) for t in io["outputs"]]


def summary_text(model):
    lines = []
    model.summary(print_fn=lambda line, **kw: lines.append(line))
    return "\n".join(lines)


def after_load(root):
    k3 = os.path.join(root, "keras3")
    for case in sorted(os.listdir(k3)):
        path = os.path.join(k3, case, "model.h5")
        if not os.path.isfile(path):
            continue
        model = keras.saving.load_model(path, compile=False)
        with open(os.path.join(k3, case, "after_load.json"), "w") as f:
            json.dump({"keras_version": keras.__version__, "to_json": model.to_json(),
                       "summary": summary_text(model)}, f, indent=1)
        print("after_load", case)


def load_case(folder):
    if os.path.isfile(os.path.join(folder, "model.h5")):
        return keras.saving.load_model(os.path.join(folder, "model.h5"), compile=False)
    with open(os.path.join(folder, "model.json")) as f:
        model = keras.models.model_from_json(f.read())
    model.load_weights(os.path.join(folder, "weights.h5"))
    return model


def verdict(folder):
    try:
        model = load_case(folder)
    except Exception as e:  # the verdict documents whatever Keras 3 raises
        return {"loads": False, "error": f"{type(e).__name__}: {e}"[:2000],
                "where": traceback.format_exc().strip().splitlines()[-3][:300]}
    inputs, expected = read_io(folder)
    try:
        got = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    except Exception as e:
        return {"loads": True, "predicts": False, "error": f"{type(e).__name__}: {e}"[:2000]}
    got = got if isinstance(got, (list, tuple)) else [got]
    diffs = [float(np.max(np.abs(np.asarray(g, np.float64) - e))) if np.shape(g) == e.shape else None
             for g, e in zip(got, expected)]
    match = all(d is not None and d <= 1e-5 + 1e-4 * float(np.max(np.abs(e)))
                for d, e in zip(diffs, expected))
    return {"loads": True, "predicts": True, "matches_io_json": bool(match),
            "max_abs_diff": diffs, "output_shapes": [list(np.shape(g)) for g in got]}


def keras2_verdicts(root):
    k2 = os.path.join(root, "keras2")
    result = {"keras_version": keras.__version__, "backend": keras.backend.backend(),
              "tolerance": "max |keras3 - io.json| <= 1e-5 + 1e-4 * max|io.json|", "cases": {}}
    for case in sorted(os.listdir(k2)):
        folder = os.path.join(k2, case)
        if not os.path.isdir(folder):
            continue
        result["cases"][case] = verdict(folder)
        print("verdict", case, json.dumps(result["cases"][case])[:300])
    with open(os.path.join(k2, "keras3_verdict.json"), "w") as f:
        json.dump(result, f, indent=1)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "legacy_h5")
    after_load(root)
    keras2_verdicts(root)


if __name__ == "__main__":
    main()
