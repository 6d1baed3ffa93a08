#!/usr/bin/env python3
"""Runs real Keras 3 over the legacy `.h5` corpus (needs `import keras`, any backend).

1. tests/data/legacy_h5/keras3/*/model.h5 (files written by Keras 3's own legacy
   writer): load_model(compile=False), write after_load.json = {"to_json", "summary"}.
2. tests/data/legacy_h5/keras2/*: try Keras 3 on every Keras 2-style file (load_model,
   or model_from_json + load_weights for model.json + weights.h5), predict io.json's
   inputs, and write keras2/keras3_verdict.json: whether it loads, whether it
   reproduces io.json (max abs difference), or the error message. Where it does not,
   `patched_check` retries on a temporary copy with the listed config rewrites.
3. tests/data/legacy_h5/keras215_zip/*/model.keras (tf.keras 2.15-style archives):
   the same verdict, keras215_zip/keras3_verdict.json.
4. tests/data/legacy_h5/hostile/*.h5: what Keras 3 says (hostile/keras3_verdict.json).

Usage: legacy_h5_keras3_check.py [LEGACY_H5_ROOT] (default tests/data/legacy_h5), after
tools/legacy_h5_corpus.py (it rewrites the READMEs this script appends a verdict table to).
On the project machine: KERAS_SRC=/work/keras-src SCIPY_ROOT=<unpacked python3-scipy>
. /work/shared/keras-reference/env.sh; $PY tools/legacy_h5_keras3_check.py
"""

import json
import os
import re
import shutil
import sys
import tempfile
import traceback

import h5py

import numpy as np

import keras


def message(e, limit=2000):
    """The exception as one readable string: no terminal colour codes."""
    return re.sub(r"\x1b\[[0-9;]*m", "", f"{type(e).__name__}: {e}")[:limit]


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
        folder = os.path.join(k3, case)
        path = os.path.join(folder, "model.h5")
        if os.path.isfile(path):
            model = keras.saving.load_model(path, compile=False)
        elif os.path.isfile(os.path.join(folder, "model.json")):  # legacy weights-only file
            with open(os.path.join(folder, "model.json")) as f:
                model = keras.models.model_from_json(f.read())
            model.load_weights(os.path.join(folder, "model_weights_legacy.h5"))
        else:
            continue
        with open(os.path.join(k3, case, "after_load.json"), "w") as f:
            json.dump({"keras_version": keras.__version__, "to_json": model.to_json(),
                       "summary": summary_text(model)}, f, indent=1)
        print("after_load", case)


def load_case(folder):
    if os.path.isfile(os.path.join(folder, "model.keras")):
        return keras.saving.load_model(os.path.join(folder, "model.keras"), compile=False)
    if os.path.isfile(os.path.join(folder, "model.h5")):
        return keras.saving.load_model(os.path.join(folder, "model.h5"), compile=False)
    with open(os.path.join(folder, "model.json")) as f:
        model = keras.models.model_from_json(f.read())
    model.load_weights(os.path.join(folder, "weights.h5"))
    return model


def compare(model, folder):
    inputs, expected = read_io(folder)
    try:
        got = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    except Exception as e:
        return {"loads": True, "predicts": False, "error": message(e)}
    got = got if isinstance(got, (list, tuple)) else [got]
    diffs = [float(np.max(np.abs(np.asarray(g, np.float64) - e))) if np.shape(g) == e.shape else None
             for g, e in zip(got, expected)]
    match = all(d is not None and d <= 1e-5 + 1e-4 * float(np.max(np.abs(e)))
                for d, e in zip(diffs, expected))
    return {"loads": True, "predicts": True, "matches_io_json": bool(match),
            "max_abs_diff": diffs, "output_shapes": [list(np.shape(g)) for g in got]}


def verdict(folder):
    try:
        model = load_case(folder)
    except Exception as e:  # the verdict documents whatever Keras 3 raises
        return {"loads": False, "error": message(e),
                "where": re.sub(r'File ".*?/keras/src/', 'File "keras/src/',
                                traceback.format_exc().strip().splitlines()[-3].strip())}
    return compare(model, folder)


# ---- patched check: where Keras 3 cannot read a Keras 2 file as written, rewrite the
# listed config details in a temporary copy (never the corpus) so that Keras 3 computes
# the same model: a second, independent check of the numpy reference outputs.
@keras.saving.register_keras_serializable(package="keras2")
def keras2_hard_sigmoid(x):
    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


CUDNN = {"CuDNNLSTM": ("LSTM", 4), "CuDNNGRU": ("GRU", 3)}


class Patcher:
    def __init__(self):
        self.notes = set()
        self.cudnn = {}  # layer name -> number of gates

    def model(self, cfg):
        if cfg["class_name"] == "Sequential":
            if isinstance(cfg["config"], list):
                cfg["config"] = {"name": "sequential", "layers": cfg["config"]}
                self.notes.add("bare-list Sequential config wrapped in {name, layers}")
            layers = cfg["config"]["layers"]
            first = layers[0]
            if first["class_name"] != "InputLayer":
                bis = first["config"].get("batch_input_shape")
                if bis is None and "input_shape" in first["config"]:
                    bis = [None] + first["config"]["input_shape"]
                if bis is None and "input_dim" in first["config"]:
                    bis = [None, first["config"]["input_dim"]]
                if bis is not None:
                    layers.insert(0, {"class_name": "InputLayer", "config": {
                        "batch_shape": bis, "dtype": first["config"].get("dtype", "float32"),
                        "name": first["config"]["name"] + "_input"}})
                    self.notes.add("first layer's batch_input_shape moved to an InputLayer")
        self.walk(cfg)
        return cfg

    def walk(self, obj):
        if isinstance(obj, list):
            for o in obj:
                self.walk(o)
            return
        if not isinstance(obj, dict):
            return
        cls, conf = obj.get("class_name"), obj.get("config")
        if isinstance(conf, dict):
            if cls != "InputLayer":
                for key in ("batch_input_shape", "input_shape"):
                    conf.pop(key, None)
                if cls != "Embedding":
                    conf.pop("input_dim", None)
            if "time_major" in conf:
                del conf["time_major"]
                self.notes.add("time_major removed")
            if cls in ("DepthwiseConv2D", "Conv2DTranspose") and "groups" in conf:
                del conf["groups"]
                self.notes.add(f"{cls} groups removed")
            if cls == "Embedding" and "input_length" in conf:
                del conf["input_length"]
                self.notes.add("Embedding input_length removed")
            if cls in ("LSTM", "GRU", "SimpleRNN") and "inbound_nodes" in obj:
                self.initial_state_nodes(obj)
            if cls in CUDNN:
                obj["class_name"], gates = CUDNN[cls]
                conf.update({"activation": "tanh", "recurrent_activation": "sigmoid"})
                if cls == "CuDNNGRU":
                    conf["reset_after"] = True
                self.cudnn[conf["name"]] = gates
                self.notes.add(f"{cls} -> {obj['class_name']} with weights converted "
                               "from the cuDNN layout")
            if conf.get("recurrent_activation") == "hard_sigmoid":
                conf["recurrent_activation"] = "keras2>keras2_hard_sigmoid"
                self.notes.add("hard_sigmoid -> Keras 2's clip(0.2x + 0.5, 0, 1)")
            inner = conf.get("layer")
            if isinstance(inner, dict) and "module" not in inner:
                inner.update({"module": "keras.layers", "registered_name": None})
                self.notes.add("wrapped layer config given module keras.layers")
        for v in obj.values():
            self.walk(v)


    def initial_state_nodes(self, entry):
        """Legacy [[input], [state_1], ...] nodes become Keras 3 nodes calling the RNN
        with initial_state=[...] (Keras 3 reads legacy node kwargs as plain values)."""
        def tensor(ref, shape):
            # the shape is a placeholder: the loader swaps in the keras_history tensor
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": shape, "dtype": "float32", "keras_history": ref[:3]}}

        units = entry["config"]["units"]
        for i, node in enumerate(entry["inbound_nodes"]):
            if isinstance(node, list) and len(node) > 1:
                entry["inbound_nodes"][i] = {
                    "args": [tensor(node[0], [None, None, None])],
                    "kwargs": {"initial_state": [tensor(r, [None, units]) for r in node[1:]]}}
                self.notes.add("RNN node's extra inbound tensors passed as initial_state "
                               "in Keras 3's node format")


def from_cudnn(weights, n_gates):
    k, rk, b = weights
    k = np.hstack([g.T.reshape(g.shape, order="F") for g in np.hsplit(k, n_gates)])
    rk = np.hstack([g.T for g in np.hsplit(rk, n_gates)])
    b = b.reshape(2, -1).sum(0) if n_gates == 4 else b.reshape(2, -1)
    return [k, rk, b]


def patch_weights(group, patcher):
    for name, gates in patcher.cudnn.items():
        g = group[name]
        names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs["weight_names"]]
        vals = from_cudnn([g[n][()] for n in names], gates)
        for n, v in zip(names, vals):
            del g[n]
            g.create_dataset(n, data=v)


def patched_verdict(folder):
    patcher = Patcher()
    tmp = tempfile.mkdtemp()
    try:
        if os.path.isfile(os.path.join(folder, "model.keras")):
            import zipfile

            path = os.path.join(tmp, "model.keras")
            with zipfile.ZipFile(os.path.join(folder, "model.keras")) as src, \
                    zipfile.ZipFile(path, "w") as dst:
                for name in src.namelist():
                    data = src.read(name)
                    if name == "config.json":
                        cfg = json.loads(data)
                        patcher.walk(cfg)
                        data = json.dumps(cfg).encode()
                    dst.writestr(name, data)
            model = keras.saving.load_model(path, compile=False)
        elif os.path.isfile(os.path.join(folder, "model.h5")):
            path = shutil.copy(os.path.join(folder, "model.h5"), tmp)
            with h5py.File(path, "a") as f:
                cfg = f.attrs["model_config"]
                cfg = patcher.model(json.loads(cfg.decode() if isinstance(cfg, bytes) else cfg))
                f.attrs["model_config"] = json.dumps(cfg).encode()
                patch_weights(f["model_weights"], patcher)
            model = keras.saving.load_model(path, compile=False)
        else:
            from keras.src.legacy.saving import saving_utils

            path = shutil.copy(os.path.join(folder, "weights.h5"), tmp)
            with open(os.path.join(folder, "model.json")) as f:
                model = saving_utils.model_from_config(patcher.model(json.load(f)))
            patcher.notes.add("model.json read with keras.src.legacy.saving.saving_utils."
                              "model_from_config (Keras 3's legacy .h5 config reader)")
            model.load_weights(path)
        result = compare(model, folder)
    except Exception as e:
        result = {"loads": False, "error": message(e, 1000)}
    finally:
        shutil.rmtree(tmp)
    result["patches"] = sorted(patcher.notes)
    return result


def keras2_verdicts(root, sub="keras2"):
    k2 = os.path.join(root, sub)
    result = {"keras_version": keras.__version__, "backend": keras.backend.backend(),
              "tolerance": "max |keras3 - io.json| <= 1e-5 + 1e-4 * max|io.json|", "cases": {}}
    for case in sorted(os.listdir(k2)):
        folder = os.path.join(k2, case)
        if not os.path.isdir(folder):
            continue
        v = verdict(folder)
        if not v.get("matches_io_json"):
            v["patched_check"] = patched_verdict(folder)
        result["cases"][case] = v
        print("verdict", case, json.dumps(result["cases"][case])[:300])
    with open(os.path.join(k2, "keras3_verdict.json"), "w") as f:
        json.dump(result, f, indent=1)
    write_readme_section(os.path.join(k2, "README.md"), result)


MARK = "## Keras 3 verdict"


def write_readme_section(path, result):
    """Replaces the README's generated verdict section (from MARK to the end)."""
    with open(path) as f:
        text = f.read()
    text = text.split(MARK)[0].rstrip() + "\n\n"
    rows = [f"{MARK} (Keras {result['keras_version']}, {result['backend']} backend; "
            "`keras3_verdict.json`, written by tools/legacy_h5_keras3_check.py)", "",
            "| case | Keras 3 as written | with patches (temporary copy) |", "|---|---|---|"]
    for case, v in result["cases"].items():
        if v.get("matches_io_json"):
            direct = "loads, matches io.json"
        elif v.get("loads") and v.get("predicts"):
            direct = f"loads, differs from io.json (max {max(d or 0 for d in v['max_abs_diff']):.3g})"
        else:
            direct = ("loads, predict fails: " if v.get("loads") else "fails: ") + \
                v["error"].splitlines()[0][:110].replace("|", "/")
        p = v.get("patched_check")
        if p is None:
            patched = ""
        elif p.get("matches_io_json"):
            patched = "matches io.json after: " + "; ".join(p["patches"])
        else:
            patched = "still fails: " + p.get("error", "").splitlines()[0][:90].replace("|", "/")
        rows.append(f"| `{case}` | {direct} | {patched} |")
    with open(path, "w") as f:
        f.write(text + "\n".join(rows) + "\n")


def hostile_verdicts(root):
    hs = os.path.join(root, "hostile")
    result = {"keras_version": keras.__version__, "files": {}}
    for name in sorted(os.listdir(hs)):
        if not name.endswith(".h5"):
            continue
        try:
            keras.saving.load_model(os.path.join(hs, name), compile=False)
            result["files"][name] = {"loads": True}
        except Exception as e:
            result["files"][name] = {"loads": False, "error": message(e, 600)}
        print("hostile", name, result["files"][name])
    with open(os.path.join(hs, "keras3_verdict.json"), "w") as f:
        json.dump(result, f, indent=1)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.relpath(os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "legacy_h5"))
    after_load(root)
    keras2_verdicts(root)
    keras2_verdicts(root, "keras215_zip")
    hostile_verdicts(root)


if __name__ == "__main__":
    main()
