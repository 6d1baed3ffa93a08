"""Test data for kplug's legacy `.h5` writer (tests/unit/test_legacy_h5_writer.cpp).

For each Keras-written legacy file in FIXTURES/<name>/model.h5 (keras-fixtures/legacy_h5),
writes OUT/<name>/: model.h5, io.json and checks.json copied, and model.keras: the same
model saved by Keras in the `.keras` format (what kplug loads), with the optimizer state of
the `.h5` for compiled models. Also OUT/long_names/ (model.h5, model.keras, io.json), made
here: a model whose layer_names attribute Keras splits in chunks, and OUT/masking_lstm/ (from
tests/data/keras/layers/Masking_LSTM.keras): a Functional whose graph holds ops. Run with real Keras 3.16:

    $PY tools/legacy_h5/make_writer_fixtures.py FIXTURES OUT
"""

import json
import os
import shutil
import sys

import h5py
import numpy as np

import keras

NAMES = ["mlp", "rnn", "nested_sequential", "compiled_adam_mse_mae", "compiled_loss_objects"]


def compile_like(model, h5):
    """Compiles `model` as the file's training_config says, optimizer state from the file."""
    config = json.loads(h5.attrs["training_config"])
    # Not saving_utils.compile_args_from_training_config: it fails on metric names ("mae").
    def objects(value, deserialize):
        if isinstance(value, dict):
            return deserialize(value)
        if isinstance(value, list):
            return [objects(v, deserialize) for v in value]
        return value

    model.compile(
        optimizer=keras.optimizers.deserialize(config["optimizer_config"]),
        loss=objects(config["loss"], keras.losses.deserialize),
        metrics=objects(config["metrics"], keras.metrics.deserialize),
        loss_weights=config["loss_weights"],
        weighted_metrics=config["weighted_metrics"],
        run_eagerly=config["run_eagerly"],
        steps_per_execution=config["steps_per_execution"],
        jit_compile=config["jit_compile"],
    )
    model.optimizer.build(model.trainable_variables)
    group = h5["optimizer_weights"]
    names = [n if isinstance(n, str) else n.decode() for n in group.attrs["weight_names"]]
    paths = [v.path for v in model.optimizer.variables]
    if names != paths:
        raise SystemExit(f"optimizer variables differ: file {names}, rebuilt {paths}")
    for variable, name in zip(model.optimizer.variables, names):
        variable.assign(np.asarray(group[name]))


def long_names(out):
    """3 Dropout layers with 22000-character names: layer_names passes h5py's 64 KB object
    header limit, so Keras splits it (layer_names0, layer_names1)."""
    target = os.path.join(out, "long_names")
    os.makedirs(target, exist_ok=True)
    layers = [keras.Input((3,))]
    layers += [keras.layers.Dropout(0.1, name=f"drop{i}_" + "x" * 21994) for i in range(3)]
    layers += [keras.layers.Dense(2, name="out")]
    model = keras.Sequential(layers, name="long_names")
    rng = np.random.default_rng(7)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") for w in model.get_weights()])
    model.save(os.path.join(target, "model.h5"))
    model.save(os.path.join(target, "model.keras"))
    x = rng.standard_normal((2, 3)).astype("float32")
    y = model.predict(x, verbose=0)
    io = {
        "inputs": [{"name": "input_layer", "dtype": "float32", "shape": [2, 3], "data": x.ravel().tolist()}],
        "outputs": [{"name": "out", "dtype": "float32", "shape": [2, 2], "data": y.ravel().tolist()}],
    }
    with open(os.path.join(target, "io.json"), "w") as f:
        json.dump(io, f)
    with h5py.File(os.path.join(target, "model.h5"), "r") as h5:
        print("long_names ok, model_weights attributes:", sorted(h5["model_weights"].attrs))


def write_io(model, target, seed):
    rng = np.random.default_rng(seed)
    inputs = []
    for tensor in model.inputs:
        shape = [2 if d is None else d for d in tensor.shape]
        x = rng.standard_normal(shape).astype("float32")
        x[:, -1] = 0.0  # masked steps, for models that mask zeros
        inputs.append(x)
    y = model.predict(inputs[0] if len(inputs) == 1 else inputs, verbose=0)
    io = {
        "inputs": [
            {"name": t.name, "dtype": "float32", "shape": list(x.shape), "data": x.ravel().tolist()}
            for t, x in zip(model.inputs, inputs)
        ],
        "outputs": [{"name": "output", "dtype": "float32", "shape": list(y.shape), "data": y.ravel().tolist()}],
    }
    with open(os.path.join(target, "io.json"), "w") as f:
        json.dump(io, f)


def from_archive(out, name, archive):
    """A Functional model read from a `.keras` archive and saved as `.h5` by Keras (a
    Functional's variable paths do not depend on how its layers were built)."""
    target = os.path.join(out, name)
    os.makedirs(target, exist_ok=True)
    shutil.copyfile(archive, os.path.join(target, "model.keras"))
    model = keras.saving.load_model(archive)
    model.save(os.path.join(target, "model.h5"))
    write_io(model, target, 11)
    print(name, "ok")


def main(fixtures, out):
    for name in NAMES:
        source = os.path.join(fixtures, name)
        target = os.path.join(out, name)
        os.makedirs(target, exist_ok=True)
        for file in ("model.h5", "io.json", "checks.json"):
            shutil.copyfile(os.path.join(source, file), os.path.join(target, file))
        path = os.path.join(source, "model.h5")
        model = keras.saving.load_model(path, compile=False)
        with h5py.File(path, "r") as h5:
            if "training_config" in h5.attrs:
                compile_like(model, h5)
        io = json.load(open(os.path.join(source, "io.json")))
        inputs = [np.asarray(i["data"], dtype=i["dtype"]).reshape(i["shape"]) for i in io["inputs"]]
        got = model.predict(inputs[0] if len(inputs) == 1 else inputs, verbose=0)
        expected = np.asarray(io["outputs"][0]["data"], dtype=np.float32).reshape(io["outputs"][0]["shape"])
        if not np.array_equal(np.asarray(got), expected):
            raise SystemExit(f"{name}: the reloaded model does not predict io.json")
        model.save(os.path.join(target, "model.keras"))
        print(name, "ok")
    long_names(out)
    # Masking's not_equal / any ops are graph nodes, not layers: no layer group.
    from_archive(out, "masking_lstm", os.path.join(os.path.dirname(__file__), "../../tests/data/keras/layers/Masking_LSTM.keras"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
