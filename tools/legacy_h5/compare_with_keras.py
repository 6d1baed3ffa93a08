"""kplug's legacy `.h5` files against Keras 3.16's own, for any `.keras` archives.

    $PY tools/legacy_h5/compare_with_keras.py KPLUG_CLI OUT FILE.keras...

For each archive: `kplug convert FILE.keras OUT/<stem>.kplug.h5`, and Keras
`load_model(FILE.keras).save(OUT/<stem>.keras.h5)`; then both files are walked with h5py:
the same groups, datasets (dtype, shape, bytes) and attributes (HDF5 type: class, size or
variable length, charset, padding; shape; value; the JSON ones as text). Then Keras loads
kplug's file (compile=False) and must predict as the model it loaded from the archive.
Prints a line per archive: ok (identical), paths (identical once each dataset is named by
its layer group and position, as Keras's loader matches them: only the variable paths differ,
see kplug/saving/legacy_h5_writer.hpp), DIFF (the first difference), or skipped (why); exit 1
on a DIFF.
"""

import os
import subprocess
import sys
import threading

import h5py
import numpy as np

import keras


def attribute_type(attrs, name):
    t = attrs.get_id(name).get_type()
    if isinstance(t, h5py.h5t.TypeStringID):
        size = "vlen" if t.is_variable_str() else t.get_size()
        return ("string", size, t.get_cset(), t.get_strpad())
    return (type(t).__name__, t.get_size(), getattr(t, "get_order", lambda: None)())


def walk(path):
    out = {}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            for key in obj.attrs:
                value = obj.attrs[key]
                value = value.tolist() if isinstance(value, np.ndarray) else value
                out[(name, "@" + key)] = (attribute_type(obj.attrs, key), obj.attrs.get_id(key).shape, value)
            if isinstance(obj, h5py.Dataset):
                out[(name, "data")] = (obj.dtype.str, obj.shape, np.asarray(obj[()]).tobytes())
            elif name != "/":
                out[(name, "group")] = True

        visit("/", f)
        f.visititems(visit)
    return out


def without_paths(entries):
    """The walk with variable paths replaced by (group, position in weight_names): how Keras's
    legacy loader matches weights (by position), blind to the names."""
    names = {}
    for (obj, key), value in entries.items():
        if key.startswith("@weight_names"):
            names.setdefault(obj, []).extend(value[2] if isinstance(value[2], list) else [])
    out = {}
    for (obj, key), value in entries.items():
        if key.startswith("@weight_names"):
            value = (value[0], value[1], len(value[2]) if isinstance(value[2], list) else value[2])
        for group, listed in names.items():
            if obj.startswith(group + "/") and obj[len(group) + 1 :] in listed:
                obj = f"{group}/#{listed.index(obj[len(group) + 1 :])}"
                break
        else:
            if key == "group":
                continue  # the intermediate groups of the paths
        out[(obj, key)] = value
    return out


def sample_inputs(model):
    rng = np.random.default_rng(0)
    arrays = []
    for tensor in model.inputs:
        shape = [2 if d is None else d for d in tensor.shape]
        if "int" in str(tensor.dtype):
            arrays.append(rng.integers(0, 3, shape).astype(tensor.dtype))
        else:
            arrays.append(rng.standard_normal(shape).astype(tensor.dtype))
    return arrays[0] if len(arrays) == 1 else arrays


def compare(cli, out, archive):
    stem = os.path.basename(archive)[: -len(".keras")]
    mine = os.path.join(out, stem + ".kplug.h5")
    theirs = os.path.join(out, stem + ".keras.h5")
    run = subprocess.run([cli, "convert", archive, mine], capture_output=True, text=True)
    if run.returncode != 0:
        return "skipped", "kplug: " + (run.stderr or run.stdout).strip().splitlines()[-1]
    try:
        try:
            model = keras.saving.load_model(archive)
        except Exception:
            model = keras.saving.load_model(archive, compile=False)
        model.save(theirs)
    except Exception as e:
        return "skipped", f"Keras: {type(e).__name__}: {str(e).splitlines()[0][:150]}"
    a, b = walk(theirs), walk(mine)
    diffs = [k for k in sorted(set(a) | set(b), key=str) if a.get(k) != b.get(k)]
    status, detail = "ok", f"{len(a)} entries identical"
    if diffs:
        a2, b2 = without_paths(a), without_paths(b)
        real = [k for k in sorted(set(a2) | set(b2), key=str) if a2.get(k) != b2.get(k)]
        if real:
            k = real[0]
            return "DIFF", f"{len(real)} differences, first {k}: Keras {str(a2.get(k))[:300]} kplug {str(b2.get(k))[:300]}"
        k = next(k for k in diffs if k[1].startswith("@weight_names"))
        status = "paths"
        detail = f"same but the variable paths, e.g. Keras {a.get(k)[2][:2]} kplug {b.get(k)[2][:2]}"
    x = sample_inputs(model)
    try:
        reloaded = keras.saving.load_model(mine, compile=False)
    except Exception as e:
        error = f"{type(e).__name__}: {str(e).splitlines()[-1][:150]}"
        try:
            keras.saving.load_model(theirs, compile=False)
        except Exception as own:
            if type(own) is type(e):
                return status, detail + f"; Keras cannot reload its own file either ({error})"
        return "DIFF", f"Keras cannot load kplug's file: {error}"
    def same(want, got):
        pairs = zip(keras.tree.flatten(want), keras.tree.flatten(got))
        return all(np.array_equal(np.asarray(w), np.asarray(g), equal_nan=True) for w, g in pairs)

    got = reloaded.predict(x, verbose=0)
    if not same(model.predict(x, verbose=0), got):
        own = keras.saving.load_model(theirs, compile=False).predict(x, verbose=0)
        if not same(own, got):
            return "DIFF", "Keras's predictions from kplug's file differ from those from its own file"
        return status, detail + "; Keras predicts from kplug's file as from its own, not as the archive's model"
    return status, detail + "; Keras predicts the same from kplug's file"


def main(cli, out, archives):
    os.makedirs(out, exist_ok=True)
    counts = {}
    for archive in archives:
        status, detail = compare(cli, out, archive)
        counts[status] = counts.get(status, 0) + 1
        print(f"{status:8} {os.path.basename(archive)}: {detail}", flush=True)
    print("summary:", counts)
    os._exit(1 if counts.get("DIFF") else 0)


if __name__ == "__main__":
    # Deep Sequential models: Keras recurses per layer.
    sys.setrecursionlimit(100000)
    threading.stack_size(512 * 1024 * 1024)
    worker = threading.Thread(target=main, args=(sys.argv[1], sys.argv[2], sys.argv[3:]))
    worker.start()
    worker.join()
