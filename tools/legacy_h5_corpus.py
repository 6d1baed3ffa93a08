#!/usr/bin/env python3
"""Writes the Keras 2 legacy `.h5` test corpus (tests/data/legacy_h5/keras2 and hostile).

No Keras 2 can be installed here, so each file is laid out with h5py exactly as
tf-keras's writer does (tf_keras/saving/legacy/hdf5_format.py: save_model_to_hdf5,
save_weights_to_hdf5_group, save_attributes_to_hdf5_group), with layer configs
carrying the keys each Keras 2 version's get_config wrote. Expected outputs come
from the small numpy reference implementations below (float64, cast to float32),
independent of any Keras.

Needs only numpy + h5py. Deterministic: every case seeds its own generator with
crc32 of its name. Usage: legacy_h5_corpus.py [OUT_ROOT] (default tests/data/legacy_h5).
"""

import json
import os
import shutil
import sys
import zipfile
import zlib

import h5py
import numpy as np

# ---------------------------------------------------------------- configs
NULL = None


def glorot():
    return {"class_name": "GlorotUniform", "config": {"seed": NULL}}


def glorot_224():
    # Keras 2.2.4 serialized glorot_uniform as the VarianceScaling it is.
    return {"class_name": "VarianceScaling",
            "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": NULL}}


def zeros():
    return {"class_name": "Zeros", "config": {}}


def ones():
    return {"class_name": "Ones", "config": {}}


def orthogonal():
    return {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": NULL}}


def base(name, batch_input_shape=None, dtype="float32"):
    cfg = {"name": name, "trainable": True, "dtype": dtype}
    if batch_input_shape is not None:
        cfg["batch_input_shape"] = list(batch_input_shape)
    return cfg


def dense_cfg(name, units, activation="linear", bis=None, kinit=None):
    cfg = base(name, bis)
    cfg.update({
        "units": units, "activation": activation, "use_bias": True,
        "kernel_initializer": kinit or glorot(), "bias_initializer": zeros(),
        "kernel_regularizer": NULL, "bias_regularizer": NULL,
        "activity_regularizer": NULL, "kernel_constraint": NULL, "bias_constraint": NULL})
    return cfg


def input_layer(name, batch_shape, dtype="float32"):
    return {"class_name": "InputLayer",
            "config": {"batch_input_shape": list(batch_shape), "dtype": dtype,
                       "sparse": False, "ragged": False, "name": name}}


def conv_cfg(name, filters, kernel, strides=(1, 1), padding="valid", activation="linear", bis=None):
    cfg = base(name, bis)
    cfg.update({
        "filters": filters, "kernel_size": list(kernel), "strides": list(strides),
        "padding": padding, "data_format": "channels_last", "dilation_rate": [1, 1],
        "groups": 1, "activation": activation, "use_bias": True,
        "kernel_initializer": glorot(), "bias_initializer": zeros(),
        "kernel_regularizer": NULL, "bias_regularizer": NULL,
        "activity_regularizer": NULL, "kernel_constraint": NULL, "bias_constraint": NULL})
    return cfg


def rnn_base(name, bis=None, return_sequences=False, return_state=False, unroll=False):
    cfg = base(name, bis)
    cfg.update({"return_sequences": return_sequences, "return_state": return_state,
                "go_backwards": False, "stateful": False, "unroll": unroll, "time_major": False})
    return cfg


def lstm_cfg(name, units, bis=None, recurrent_activation="sigmoid", implementation=2, **rnn_kw):
    cfg = rnn_base(name, bis, **rnn_kw)
    cfg.update({
        "units": units, "activation": "tanh", "recurrent_activation": recurrent_activation,
        "use_bias": True, "kernel_initializer": glorot(), "recurrent_initializer": orthogonal(),
        "bias_initializer": zeros(), "unit_forget_bias": True, "kernel_regularizer": NULL,
        "recurrent_regularizer": NULL, "bias_regularizer": NULL, "activity_regularizer": NULL,
        "kernel_constraint": NULL, "recurrent_constraint": NULL, "bias_constraint": NULL,
        "dropout": 0.0, "recurrent_dropout": 0.0, "implementation": implementation})
    return cfg


def gru_cfg(name, units, reset_after, bis=None, recurrent_activation="sigmoid", **rnn_kw):
    cfg = rnn_base(name, bis, **rnn_kw)
    cfg.update({
        "units": units, "activation": "tanh", "recurrent_activation": recurrent_activation,
        "use_bias": True, "kernel_initializer": glorot(), "recurrent_initializer": orthogonal(),
        "bias_initializer": zeros(), "kernel_regularizer": NULL, "recurrent_regularizer": NULL,
        "bias_regularizer": NULL, "activity_regularizer": NULL, "kernel_constraint": NULL,
        "recurrent_constraint": NULL, "bias_constraint": NULL, "dropout": 0.0,
        "recurrent_dropout": 0.0, "implementation": 2, "reset_after": reset_after})
    return cfg


def layer(class_name, config, inbound=None):
    entry = {"class_name": class_name, "config": config}
    if inbound is not None:  # Functional entries carry name + inbound_nodes
        entry["name"] = config["name"]
        entry["inbound_nodes"] = inbound
    return entry


def node(*tensors):
    """One legacy inbound node: [[layer, node_index, tensor_index, {}], ...]."""
    return [[[t[0], t[1] if len(t) > 1 else 0, t[2] if len(t) > 2 else 0, {}] for t in tensors]]


# ---------------------------------------------------------------- numpy reference
def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def hard_sigmoid_k2(x):
    # Keras 2's hard_sigmoid (Keras 3 changed it to relu6(x + 3) / 6).
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


ACT = {"linear": lambda x: x, "relu": lambda x: np.maximum(x, 0), "tanh": np.tanh,
       "sigmoid": sigmoid, "hard_sigmoid": hard_sigmoid_k2,
       "softmax": lambda x: np.exp(x - x.max(-1, keepdims=True))
       / np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True)}


def dense(x, k, b, act="linear"):
    return ACT[act](x @ k + b)


def pad_same(x, kh, kw, sh, sw):
    h, w = x.shape[1:3]
    oh, ow = -(-h // sh), -(-w // sw)
    ph = max((oh - 1) * sh + kh - h, 0)
    pw = max((ow - 1) * sw + kw - w, 0)
    return np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))


def conv2d(x, k, b, strides=(1, 1), padding="valid", act="linear"):
    kh, kw = k.shape[:2]
    sh, sw = strides
    if padding == "same":
        x = pad_same(x, kh, kw, sh, sw)
    oh = (x.shape[1] - kh) // sh + 1
    ow = (x.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], oh, ow, k.shape[3]))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            out[:, i, j, :] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return ACT[act](out + b)


def depthwise_conv2d(x, k, b, padding="valid"):
    kh, kw, cin, dm = k.shape
    if padding == "same":
        x = pad_same(x, kh, kw, 1, 1)
    oh, ow = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.zeros((x.shape[0], oh, ow, cin * dm))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i:i + kh, j:j + kw, :]  # (B, kh, kw, cin)
            v = np.einsum("bhwc,hwcm->bcm", patch, k)
            out[:, i, j, :] = v.reshape(x.shape[0], cin * dm)  # channel c*dm + m
    return out + b


def conv2d_transpose(x, k, b, strides):
    """padding 'valid': output (in - 1) * s + k; kernel (kh, kw, out, in)."""
    kh, kw, co, _ = k.shape
    sh, sw = strides
    bsz, h, w, _ = x.shape
    out = np.zeros((bsz, (h - 1) * sh + kh, (w - 1) * sw + kw, co))
    for i in range(h):
        for j in range(w):
            out[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :] += np.einsum(
                "bc,hwoc->bhwo", x[:, i, j, :], k)
    return out + b


def maxpool2d(x, p=2):
    bsz, h, w, c = x.shape
    oh, ow = h // p, w // p
    return x[:, :oh * p, :ow * p, :].reshape(bsz, oh, p, ow, p, c).max(axis=(2, 4))


def batchnorm(x, gamma, beta, mean, var, eps=1e-3):
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def lstm(x, k, rk, b, h=None, c=None, return_sequences=False, rec_act="sigmoid"):
    units = rk.shape[0]
    bsz = x.shape[0]
    h = np.zeros((bsz, units)) if h is None else h
    c = np.zeros((bsz, units)) if c is None else c
    ra = ACT[rec_act]
    seq = []
    for t in range(x.shape[1]):
        z = x[:, t] @ k + h @ rk + b
        i, f, g, o = np.split(z, 4, axis=-1)
        c = ra(f) * c + ra(i) * np.tanh(g)
        h = ra(o) * np.tanh(c)
        seq.append(h)
    return (np.stack(seq, 1) if return_sequences else h), h, c


def gru(x, k, rk, b, reset_after, rec_act="sigmoid"):
    units = rk.shape[0]
    h = np.zeros((x.shape[0], units))
    ra = ACT[rec_act]
    bi, br = (b[0], b[1]) if reset_after else (b, np.zeros_like(b))
    for t in range(x.shape[1]):
        xz, xr, xh = np.split(x[:, t] @ k + bi, 3, axis=-1)
        if reset_after:
            rz, rr, rh = np.split(h @ rk + br, 3, axis=-1)
            z, r = ra(xz + rz), ra(xr + rr)
            hh = np.tanh(xh + r * rh)
        else:
            uz, ur, uh = np.split(rk, 3, axis=-1)
            z, r = ra(xz + h @ uz), ra(xr + h @ ur)
            hh = np.tanh(xh + (r * h) @ uh)
        h = z * h + (1 - z) * hh
    return h


def simple_rnn(x, k, rk, b):
    h = np.zeros((x.shape[0], rk.shape[0]))
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ k + h @ rk + b)
    return h


def conv_lstm2d(x, k, rk, b):
    """padding 'same', strides 1, return_sequences False; gates i, f, c, o."""
    filters = rk.shape[-1] // 4
    bsz, steps, hh, ww, _ = x.shape
    h = np.zeros((bsz, hh, ww, filters))
    c = np.zeros_like(h)
    zero = np.zeros(4 * filters)
    for t in range(steps):
        z = conv2d(x[:, t], k, b, padding="same") + conv2d(h, rk, zero, padding="same")
        i, f, g, o = np.split(z, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
    return h


# cuDNN layouts, per tf-keras's _convert_rnn_weights: per gate, input kernels are
# transposed and re-read in Fortran order, recurrent kernels transposed; LSTM's
# 8*units bias is input + recurrent biases (summed), GRU's 6*units is reshaped (2, -1).
def from_cudnn_kernels(kernel, recurrent, n_gates):
    k = np.hstack([g.T.reshape(g.shape, order="F") for g in np.hsplit(kernel, n_gates)])
    rk = np.hstack([g.T for g in np.hsplit(recurrent, n_gates)])
    return k, rk


# ---------------------------------------------------------------- h5 writing
# String attribute modes: 'fixed' (tf-keras: numpy S arrays / bytes), 'vlen'
# (variable-length str, as Keras 3's writer does) or 'chunked' (layer_names split into
# layer_names0, layer_names1 as save_attributes_to_hdf5_group does for lists over 64512
# bytes; forced here on a short list to keep the file tiny).
def write_str_list(group, name, items, mode):
    if mode == "vlen":
        group.attrs.create(name, np.array(items, dtype=object), dtype=h5py.string_dtype())
        return
    data = np.array([s.encode("utf8") for s in items]) if items else np.asarray([])
    if mode == "chunked" and len(items) > 1:
        for i, chunk in enumerate(np.array_split(data, 2)):
            group.attrs["%s%d" % (name, i)] = chunk
        return
    group.attrs[name] = data


def wrote_with_h5py3(version):
    # TF 2.5 moved to h5py 3, which stores a bytes attribute as a variable-length ASCII
    # string; h5py 2 (standalone Keras, TF <= 2.4) stored it as a fixed-length `S` scalar.
    return version_at_least(version, 2, 5)


def write_scalar_str(group, name, value, as_bytes, mode="fixed", h5py3=False):
    if mode == "vlen":
        group.attrs.create(name, value, dtype=h5py.string_dtype())
    elif as_bytes and h5py3:
        group.attrs[name] = value.encode("utf8")  # variable-length ASCII string
    elif as_bytes:
        group.attrs[name] = np.bytes_(value.encode("utf8"))  # fixed-length S scalar
    else:
        group.attrs[name] = value  # variable-length UTF-8 string


def version_at_least(version, major, minor):
    return tuple(int(p) for p in version.split(".")[:2]) >= (major, minor)


def write_weights_group(f, layers, version, mode="fixed"):
    """save_weights_to_hdf5_group: layers = [(layer_name, [(weight_name, array)])] in
    model.layers order; groups are created in sorted name order, as tf-keras does."""
    write_str_list(f, "layer_names", [n for n, _ in layers], mode)
    h5py3 = wrote_with_h5py3(version)
    write_scalar_str(f, "backend", "tensorflow", True, mode, h5py3)
    write_scalar_str(f, "keras_version", version, True, mode, h5py3)
    for lname, weights in sorted(layers, key=lambda lw: lw[0]):
        g = f.create_group(lname)
        write_str_list(g, "weight_names", [w for w, _ in weights], mode)
        for wname, val in weights:
            g.create_dataset(wname, data=np.asarray(val, dtype=np.float32))
    if version_at_least(version, 2, 7):  # tf.keras 2.7 added the model's own weight list
        g = f.create_group("top_level_model_weights")
        write_str_list(g, "weight_names", [], mode)


def write_model_h5(path, model_config, layers, version, *, root_bytes=False, mode="fixed",
                   training_config=None, optimizer_weights=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with h5py.File(path, "w") as f:
        # tf.keras: keras_version/backend are str (variable-length UTF-8), model_config
        # and training_config JSON encoded to bytes. Standalone Keras encoded all to bytes.
        h5py3 = wrote_with_h5py3(version)
        write_scalar_str(f, "keras_version", version, root_bytes, mode, h5py3)
        if version_at_least(version, 2, 0):  # Keras 1's save_model wrote no root backend
            write_scalar_str(f, "backend", "tensorflow", root_bytes, mode, h5py3)
        write_scalar_str(f, "model_config", json.dumps(model_config), True, mode, h5py3)
        if training_config is not None:
            write_scalar_str(f, "training_config", json.dumps(training_config), True, mode, h5py3)
        write_weights_group(f.create_group("model_weights"), layers, version, mode)
        if optimizer_weights:
            g = f.create_group("optimizer_weights")
            write_str_list(g, "weight_names", [n for n, _ in optimizer_weights], mode)
            for name, val in optimizer_weights:
                g.create_dataset(name, data=val)


def write_weights_only_h5(path, layers, version):
    """model.save_weights('x.h5') in Keras 2: the weights group is the file root."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with h5py.File(path, "w") as f:
        write_weights_group(f, layers, version, "fixed")


def to_json_text(model_config, version):
    """Keras 2 model.to_json(): the config plus keras_version and backend."""
    cfg = dict(model_config)
    cfg.update({"keras_version": version, "backend": "tensorflow"})
    return json.dumps(cfg)


def tensor(name, arr):
    arr = np.asarray(arr, dtype=np.float32)
    return {"name": name, "dtype": "float32", "shape": list(arr.shape),
            "data": [float(v) for v in arr.ravel(order="C")]}


def write_io(folder, inputs, outputs):
    with open(os.path.join(folder, "io.json"), "w") as f:
        json.dump({"inputs": [tensor(n, a) for n, a in inputs],
                   "outputs": [tensor(n, a) for n, a in outputs]}, f)


class Rng:
    def __init__(self, name):
        self.r = np.random.default_rng(zlib.crc32(name.encode()))

    def w(self, *shape, scale=0.5):
        # float32 values: what the file stores is what numpy computes with
        return (self.r.standard_normal(shape) * scale).astype(np.float32).astype(np.float64)

    def x(self, *shape):
        return self.w(*shape, scale=1.0)


# ---------------------------------------------------------------- cases
CASES = []


def case(description, outcome="loads; outputs match io.json"):
    def wrap(fn):
        CASES.append((fn.__name__, description, outcome, fn))
        return fn
    return wrap


def seq_config(name, layers, legacy_list=False):
    cfg = layers if legacy_list else {"name": name, "layers": layers}
    return {"class_name": "Sequential", "config": cfg}


def mlp_weights(rng, sizes, names):
    ws = []
    for (i, o), n in zip(zip(sizes[:-1], sizes[1:]), names):
        ws.append((n, [(f"{n}/kernel:0", rng.w(i, o)), (f"{n}/bias:0", rng.w(o))]))
    return ws


def mlp_forward(x, ws, acts):
    for (_, [(_, k), (_, b)]), a in zip(ws, acts):
        x = dense(x, k, b, a)
    return x


@case("Keras 2.2.4 Sequential MLP: no InputLayer, first Dense carries batch_input_shape; "
      "all root attributes bytes (backend b'tensorflow'); Dropout; no top_level_model_weights")
def mlp_sequential_batch_input_shape(out, rng):
    c1 = dense_cfg("dense_1", 16, "relu", [None, 8], glorot_224())
    c2 = dense_cfg("dense_2", 4, "softmax", kinit=glorot_224())
    del c2["dtype"]  # Keras 2.2.4 wrote dtype only beside batch_input_shape
    drop = {"name": "dropout_1", "trainable": True, "rate": 0.2, "noise_shape": NULL, "seed": NULL}
    cfg = seq_config("sequential_1", [layer("Dense", c1), layer("Dropout", drop), layer("Dense", c2)])
    ws = mlp_weights(rng, [8, 16, 4], ["dense_1", "dense_2"])
    layers = [ws[0], ("dropout_1", []), ws[1]]
    write_model_h5(f"{out}/model.h5", cfg, layers, "2.2.4", root_bytes=True)
    x = rng.x(2, 8)
    write_io(out, [("dense_1_input", x)], [("dense_2", mlp_forward(x, ws, ["relu", "softmax"]))])


@case("Keras 2.4.0 (tf.keras) Sequential whose first Dense config has `input_shape`: [8] "
      "(a Layer kwarg Keras 2's from_config accepts; no batch_input_shape, no InputLayer)")
def sequential_input_shape(out, rng):
    c1 = dense_cfg("dense", 6, "tanh")
    c1["input_shape"] = [8]
    cfg = seq_config("sequential", [layer("Dense", c1), layer("Dense", dense_cfg("dense_1", 3))])
    ws = mlp_weights(rng, [8, 6, 3], ["dense", "dense_1"])
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.4.0")
    x = rng.x(2, 8)
    write_io(out, [("dense_input", x)], [("dense_1", mlp_forward(x, ws, ["tanh", "linear"]))])


@case("Keras 2.0.8 Sequential whose first Dense config has `input_dim`: 5 (Dense's "
      "Keras 2 kwarg; no batch_input_shape)")
def sequential_input_dim(out, rng):
    c1 = dense_cfg("dense_1", 4, "relu")
    c1["input_dim"] = 5
    cfg = seq_config("sequential_1", [layer("Dense", c1), layer("Dense", dense_cfg("dense_2", 2))])
    ws = mlp_weights(rng, [5, 4, 2], ["dense_1", "dense_2"])
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.0.8", root_bytes=True)
    x = rng.x(2, 5)
    write_io(out, [("dense_1_input", x)], [("dense_2", mlp_forward(x, ws, ["relu", "linear"]))])


@case("Keras 2.1.6 Sequential whose config is the bare list of layers (Keras < 2.2)")
def sequential_bare_list(out, rng):
    c1 = dense_cfg("dense_1", 5, "sigmoid", [None, 3], glorot_224())
    cfg = seq_config(None, [layer("Dense", c1), layer("Dense", dense_cfg("dense_2", 2, kinit=glorot_224()))],
                     legacy_list=True)
    ws = mlp_weights(rng, [3, 5, 2], ["dense_1", "dense_2"])
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.1.6", root_bytes=True)
    x = rng.x(2, 3)
    write_io(out, [("dense_1_input", x)], [("dense_2", mlp_forward(x, ws, ["sigmoid", "linear"]))])


def functional_config(name, layers, inputs, outputs, class_name="Functional"):
    return {"class_name": class_name,
            "config": {"name": name, "layers": layers,
                       "input_layers": [[n, 0, 0] for n in inputs],
                       "output_layers": [[n, 0, 0] for n in outputs]}}


def merge_cfg(name, axis=None):
    cfg = base(name)
    if axis is not None:
        cfg["axis"] = axis
    return cfg


@case("Keras 2.11.0 Functional (class_name 'Functional') with two inputs, legacy "
      "inbound_nodes, Add and Concatenate")
def functional_two_inputs_add_concat(out, rng):
    layers = [
        layer("InputLayer", input_layer("input_1", [None, 4])["config"], []),
        layer("InputLayer", input_layer("input_2", [None, 4])["config"], []),
        layer("Dense", dense_cfg("dense", 5, "relu"), node(["input_1"])),
        layer("Dense", dense_cfg("dense_1", 5, "relu"), node(["input_2"])),
        layer("Add", merge_cfg("add"), node(["dense"], ["dense_1"])),
        layer("Concatenate", merge_cfg("concatenate", -1), node(["add"], ["input_1"])),
        layer("Dense", dense_cfg("dense_2", 3), node(["concatenate"])),
    ]
    cfg = functional_config("model", layers, ["input_1", "input_2"], ["dense_2"])
    d0, d1 = mlp_weights(rng, [4, 5], ["dense"])[0], mlp_weights(rng, [4, 5], ["dense_1"])[0]
    d2 = mlp_weights(rng, [9, 3], ["dense_2"])[0]
    ws = [("input_1", []), ("input_2", []), d0, d1, ("add", []), ("concatenate", []), d2]
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.11.0")
    a, b = rng.x(2, 4), rng.x(2, 4)
    s = mlp_forward(a, [d0], ["relu"]) + mlp_forward(b, [d1], ["relu"])
    y = mlp_forward(np.concatenate([s, a], -1), [d2], ["linear"])
    write_io(out, [("input_1", a), ("input_2", b)], [("dense_2", y)])


@case("Keras 2.15.0 Functional with a shared Dense called on both inputs (two inbound "
      "nodes; Add reads node index 1 as [\"shared\", 1, 0, {}]) and two outputs")
def functional_shared_layer_two_outputs(out, rng):
    layers = [
        layer("InputLayer", input_layer("input_1", [None, 3])["config"], []),
        layer("InputLayer", input_layer("input_2", [None, 3])["config"], []),
        layer("Dense", dense_cfg("shared", 4, "tanh"), node(["input_1"]) + node(["input_2"])),
        layer("Add", merge_cfg("add"), node(["shared", 0, 0], ["shared", 1, 0])),
        layer("Dense", dense_cfg("out_a", 2), node(["add"])),
        layer("Dense", dense_cfg("out_b", 1, "sigmoid"), node(["shared", 1, 0])),
    ]
    cfg = functional_config("model", layers, ["input_1", "input_2"], ["out_a", "out_b"])
    sh = mlp_weights(rng, [3, 4], ["shared"])[0]
    oa = mlp_weights(rng, [4, 2], ["out_a"])[0]
    ob = mlp_weights(rng, [4, 1], ["out_b"])[0]
    ws = [("input_1", []), ("input_2", []), sh, ("add", []), oa, ob]
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.15.0")
    a, b = rng.x(2, 3), rng.x(2, 3)
    ha, hb = mlp_forward(a, [sh], ["tanh"]), mlp_forward(b, [sh], ["tanh"])
    write_io(out, [("input_1", a), ("input_2", b)],
             [("out_a", mlp_forward(ha + hb, [oa], ["linear"])), ("out_b", mlp_forward(hb, [ob], ["sigmoid"]))])


@case("Keras 2.4.0 Sequential with an InputLayer entry (tf.keras 2.x): Conv2D -> "
      "MaxPooling2D -> Flatten -> Dense; Conv2D config has `groups`: 1")
def cnn_conv_pool_flatten_dense(out, rng):
    conv = conv_cfg("conv2d", 4, (3, 3), activation="relu", bis=[None, 8, 8, 3])
    pool = base("max_pooling2d")
    pool.update({"pool_size": [2, 2], "padding": "valid", "strides": [2, 2],
                 "data_format": "channels_last"})
    flat = base("flatten")
    flat["data_format"] = "channels_last"
    cfg = seq_config("sequential", [input_layer("conv2d_input", [None, 8, 8, 3]),
                                    layer("Conv2D", conv), layer("MaxPooling2D", pool),
                                    layer("Flatten", flat), layer("Dense", dense_cfg("dense", 3, "softmax"))])
    k, b = rng.w(3, 3, 3, 4), rng.w(4)
    dk, db = rng.w(36, 3), rng.w(3)
    ws = [("conv2d", [("conv2d/kernel:0", k), ("conv2d/bias:0", b)]), ("max_pooling2d", []),
          ("flatten", []), ("dense", [("dense/kernel:0", dk), ("dense/bias:0", db)])]
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.4.0")
    x = rng.x(2, 8, 8, 3)
    y = maxpool2d(conv2d(x, k, b, act="relu")).reshape(2, -1)
    write_io(out, [("conv2d_input", x)], [("dense", dense(y, dk, db, "softmax"))])


def bn_cfg(name, center=True, scale=True):
    cfg = base(name)
    cfg.update({"axis": [1], "momentum": 0.99, "epsilon": 0.001, "center": center, "scale": scale,
                "beta_initializer": zeros(), "gamma_initializer": ones(),
                "moving_mean_initializer": zeros(), "moving_variance_initializer": ones(),
                "beta_regularizer": NULL, "gamma_regularizer": NULL,
                "beta_constraint": NULL, "gamma_constraint": NULL})
    return cfg


def bn_case(out, rng, center, scale):
    cfg = seq_config("sequential", [input_layer("dense_input", [None, 5]),
                                    layer("Dense", dense_cfg("dense", 6, bis=[None, 5])),
                                    layer("BatchNormalization", bn_cfg("batch_normalization", center, scale)),
                                    layer("Dense", dense_cfg("dense_1", 2))])
    d0, d1 = mlp_weights(rng, [5, 6], ["dense"])[0], mlp_weights(rng, [6, 2], ["dense_1"])[0]
    gamma, beta = 1 + rng.w(6, scale=0.2), rng.w(6)
    mean, var = rng.w(6), 0.5 + np.abs(rng.w(6))
    n = "batch_normalization"
    bw = ([(f"{n}/gamma:0", gamma)] if scale else []) + ([(f"{n}/beta:0", beta)] if center else []) \
        + [(f"{n}/moving_mean:0", mean), (f"{n}/moving_variance:0", var)]
    write_model_h5(f"{out}/model.h5", cfg, [d0, (n, bw), d1], "2.15.0")
    x = rng.x(2, 5)
    h = batchnorm(mlp_forward(x, [d0], ["linear"]), gamma if scale else 1.0, beta if center else 0.0,
                  mean, var)
    write_io(out, [("dense_input", x)], [("dense_1", mlp_forward(h, [d1], ["linear"]))])


@case("Keras 2.15.0 BatchNormalization(center=False, scale=False): only moving_mean and "
      "moving_variance stored (axis saved as the list [1])")
def batchnorm_no_center_no_scale(out, rng):
    bn_case(out, rng, False, False)


@case("Keras 2.15.0 BatchNormalization with gamma, beta, moving_mean, moving_variance")
def batchnorm_normal(out, rng):
    bn_case(out, rng, True, True)


@case("Keras 2.2.4 Embedding(input_length=6, batch_input_shape float32) -> LSTM -> Dense; "
      "LSTM recurrent_activation 'hard_sigmoid' (Keras 2.2 default, Keras 2 meaning "
      "clip(0.2x + 0.5, 0, 1)); weights lstm_1/kernel:0 (no cell scope)",
      "loads; outputs match io.json (Keras 3 maps hard_sigmoid to relu6(x+3)/6: differs)")
def embedding_lstm(out, rng):
    emb = base("embedding_1", [None, 6])
    emb.update({"input_dim": 20, "output_dim": 4,
                "embeddings_initializer": {"class_name": "RandomUniform",
                                           "config": {"minval": -0.05, "maxval": 0.05, "seed": NULL}},
                "embeddings_regularizer": NULL, "activity_regularizer": NULL,
                "embeddings_constraint": NULL, "mask_zero": False, "input_length": 6})
    lc = lstm_cfg("lstm_1", 5, recurrent_activation="hard_sigmoid", implementation=1)
    for key in ("time_major",):
        del lc[key]  # not in Keras 2.2.4
    cfg = seq_config("sequential_1", [layer("Embedding", emb), layer("LSTM", lc),
                                      layer("Dense", dense_cfg("dense_1", 2))])
    e, k, rk, b = rng.w(20, 4), rng.w(4, 20), rng.w(5, 20), rng.w(20)
    dk, db = rng.w(5, 2), rng.w(2)
    ws = [("embedding_1", [("embedding_1/embeddings:0", e)]),
          ("lstm_1", [("lstm_1/kernel:0", k), ("lstm_1/recurrent_kernel:0", rk), ("lstm_1/bias:0", b)]),
          ("dense_1", [("dense_1/kernel:0", dk), ("dense_1/bias:0", db)])]
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.2.4", root_bytes=True)
    ids = rng.r.integers(0, 20, size=(2, 6)).astype(np.float64)
    h, _, _ = lstm(e[ids.astype(int)], k, rk, b, rec_act="hard_sigmoid")
    write_io(out, [("embedding_1_input", ids)], [("dense_1", dense(h, dk, db))])


def rnn_weights(prefix, k, rk, b):
    return [(f"{prefix}/kernel:0", k), (f"{prefix}/recurrent_kernel:0", rk), (f"{prefix}/bias:0", b)]


@case("Keras 2.11.0 SimpleRNN (weights simple_rnn/simple_rnn_cell/...)")
def simple_rnn_case(out, rng):
    c = rnn_base("simple_rnn", [None, 5, 3])
    c.update({"units": 4, "activation": "tanh", "use_bias": True, "kernel_initializer": glorot(),
              "recurrent_initializer": orthogonal(), "bias_initializer": zeros(),
              "kernel_regularizer": NULL, "recurrent_regularizer": NULL, "bias_regularizer": NULL,
              "activity_regularizer": NULL, "kernel_constraint": NULL, "recurrent_constraint": NULL,
              "bias_constraint": NULL, "dropout": 0.0, "recurrent_dropout": 0.0})
    cfg = seq_config("sequential", [input_layer("simple_rnn_input", [None, 5, 3]), layer("SimpleRNN", c)])
    k, rk, b = rng.w(3, 4), rng.w(4, 4), rng.w(4)
    write_model_h5(f"{out}/model.h5", cfg,
                   [("simple_rnn", rnn_weights("simple_rnn/simple_rnn_cell", k, rk, b))], "2.11.0")
    x = rng.x(2, 5, 3)
    write_io(out, [("simple_rnn_input", x)], [("simple_rnn", simple_rnn(x, k, rk, b))])


def gru_case(out, rng, reset_after, version):
    c = gru_cfg("gru", 4, reset_after, [None, 5, 3])
    cfg = seq_config("sequential", [input_layer("gru_input", [None, 5, 3]), layer("GRU", c)])
    k, rk = rng.w(3, 12), rng.w(4, 12)
    b = rng.w(2, 12) if reset_after else rng.w(12)
    write_model_h5(f"{out}/model.h5", cfg, [("gru", rnn_weights("gru/gru_cell", k, rk, b))], version)
    x = rng.x(2, 5, 3)
    write_io(out, [("gru_input", x)], [("gru", gru(x, k, rk, b, reset_after))])


@case("Keras 2.15.0 GRU(reset_after=True): bias shape (2, 3*units)")
def gru_reset_after_true(out, rng):
    gru_case(out, rng, True, "2.15.0")


@case("Keras 2.4.0 GRU(reset_after=False): bias shape (3*units,)")
def gru_reset_after_false(out, rng):
    gru_case(out, rng, False, "2.4.0")


def cudnn_base(name, bis):
    c = base(name, bis)
    c.update({"return_sequences": False, "return_state": False, "go_backwards": False,
              "stateful": False, "units": 4, "kernel_initializer": glorot_224(),
              "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": NULL}},
              "bias_initializer": zeros(), "kernel_regularizer": NULL, "recurrent_regularizer": NULL,
              "bias_regularizer": NULL, "activity_regularizer": NULL, "kernel_constraint": NULL,
              "recurrent_constraint": NULL, "bias_constraint": NULL})
    return c


@case("Keras 2.2.4 CuDNNLSTM: cuDNN weight layout, bias 8*units (input + recurrent "
      "biases); expected output from the weights converted to LSTM layout",
      "loads as an LSTM (sigmoid/tanh); outputs match io.json")
def cudnn_lstm(out, rng):
    c = cudnn_base("cu_dnnlstm_1", [None, 5, 3])
    c["unit_forget_bias"] = True
    cfg = seq_config("sequential_1", [layer("CuDNNLSTM", c)])
    ck, crk, cb = rng.w(3, 16), rng.w(4, 16), rng.w(32)
    write_model_h5(f"{out}/model.h5", cfg, [("cu_dnnlstm_1", rnn_weights("cu_dnnlstm_1", ck, crk, cb))],
                   "2.2.4", root_bytes=True)
    k, rk = from_cudnn_kernels(ck, crk, 4)
    b = cb[:16] + cb[16:]
    x = rng.x(2, 5, 3)
    write_io(out, [("cu_dnnlstm_1_input", x)], [("cu_dnnlstm_1", lstm(x, k, rk, b)[0])])


@case("Keras 2.2.4 CuDNNGRU: cuDNN weight layout, bias 6*units; expected output from "
      "the weights converted to GRU(reset_after=True)",
      "loads as a GRU(reset_after=True, sigmoid); outputs match io.json")
def cudnn_gru(out, rng):
    c = cudnn_base("cu_dnngru_1", [None, 5, 3])
    cfg = seq_config("sequential_1", [layer("CuDNNGRU", c)])
    ck, crk, cb = rng.w(3, 12), rng.w(4, 12), rng.w(24)
    write_model_h5(f"{out}/model.h5", cfg, [("cu_dnngru_1", rnn_weights("cu_dnngru_1", ck, crk, cb))],
                   "2.2.4", root_bytes=True)
    k, rk = from_cudnn_kernels(ck, crk, 3)
    x = rng.x(2, 5, 3)
    write_io(out, [("cu_dnngru_1_input", x)], [("cu_dnngru_1", gru(x, k, rk, cb.reshape(2, -1), True))])


@case("Keras 2.11.0 Bidirectional(LSTM), merge_mode concat: forward then backward "
      "weights, named bidirectional/forward_lstm/lstm_cell/... and backward_lstm")
def bidirectional_lstm(out, rng):
    inner = lstm_cfg("lstm", 3)
    c = base("bidirectional", [None, 4, 2])
    c.update({"layer": {"class_name": "LSTM", "config": inner}, "merge_mode": "concat"})
    cfg = seq_config("sequential", [input_layer("bidirectional_input", [None, 4, 2]), layer("Bidirectional", c)])
    fw = [rng.w(2, 12), rng.w(3, 12), rng.w(12)]
    bw = [rng.w(2, 12), rng.w(3, 12), rng.w(12)]
    ws = rnn_weights("bidirectional/forward_lstm/lstm_cell", *fw) + \
        rnn_weights("bidirectional/backward_lstm/lstm_cell", *bw)
    write_model_h5(f"{out}/model.h5", cfg, [("bidirectional", ws)], "2.11.0")
    x = rng.x(2, 4, 2)
    y = np.concatenate([lstm(x, *fw)[0], lstm(x[:, ::-1], *bw)[0]], -1)
    write_io(out, [("bidirectional_input", x)], [("bidirectional", y)])


@case("Keras 2.11.0 TimeDistributed(Dense): weights time_distributed/kernel:0")
def time_distributed_dense(out, rng):
    c = base("time_distributed", [None, 4, 5])
    c["layer"] = {"class_name": "Dense", "config": dense_cfg("dense", 3, "relu")}
    cfg = seq_config("sequential", [input_layer("time_distributed_input", [None, 4, 5]),
                                    layer("TimeDistributed", c)])
    k, b = rng.w(5, 3), rng.w(3)
    write_model_h5(f"{out}/model.h5", cfg, [("time_distributed", [("time_distributed/kernel:0", k),
                                                                  ("time_distributed/bias:0", b)])], "2.11.0")
    x = rng.x(2, 4, 5)
    write_io(out, [("time_distributed_input", x)], [("time_distributed", dense(x, k, b, "relu"))])


@case("Keras 2.15.0 ConvLSTM2D (padding same, 3 steps of 5x5x2, 3 filters)")
def conv_lstm2d_case(out, rng):
    c = rnn_base("conv_lstm2d", [None, 3, 5, 5, 2])
    c.update({"filters": 3, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
              "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "tanh",
              "recurrent_activation": "sigmoid", "use_bias": True, "kernel_initializer": glorot(),
              "recurrent_initializer": orthogonal(), "bias_initializer": zeros(), "unit_forget_bias": True,
              "kernel_regularizer": NULL, "recurrent_regularizer": NULL, "bias_regularizer": NULL,
              "activity_regularizer": NULL, "kernel_constraint": NULL, "recurrent_constraint": NULL,
              "bias_constraint": NULL, "dropout": 0.0, "recurrent_dropout": 0.0})
    cfg = seq_config("sequential", [input_layer("conv_lstm2d_input", [None, 3, 5, 5, 2]),
                                    layer("ConvLSTM2D", c)])
    k, rk, b = rng.w(3, 3, 2, 12, scale=0.3), rng.w(3, 3, 3, 12, scale=0.3), rng.w(12)
    write_model_h5(f"{out}/model.h5", cfg, [("conv_lstm2d", rnn_weights("conv_lstm2d/conv_lstm_cell", k, rk, b))],
                   "2.15.0")
    x = rng.x(2, 3, 5, 5, 2)
    write_io(out, [("conv_lstm2d_input", x)], [("conv_lstm2d", conv_lstm2d(x, k, rk, b))])


@case("Keras 2.11.0 Functional holding a nested Sequential 'sequential': the inner "
      "model's weights sit in group model_weights/sequential with weight_names "
      "dense_1/kernel:0, dense_1/bias:0, dense_2/..., then Dense 'dense_3'")
def nested_sequential_in_functional(out, rng):
    inner = seq_config("sequential", [input_layer("dense_1_input", [None, 6]),
                                      layer("Dense", dense_cfg("dense_1", 5, "relu", [None, 6])),
                                      layer("Dense", dense_cfg("dense_2", 4, "tanh"))])
    layers = [layer("InputLayer", input_layer("input_1", [None, 6])["config"], []),
              {"class_name": "Sequential", "config": inner["config"], "name": "sequential",
               "inbound_nodes": node(["input_1"])},
              layer("Dense", dense_cfg("dense_3", 2), node(["sequential"]))]
    cfg = functional_config("model", layers, ["input_1"], ["dense_3"])
    w1, w2 = mlp_weights(rng, [6, 5, 4], ["dense_1", "dense_2"])
    w3 = mlp_weights(rng, [4, 2], ["dense_3"])[0]
    ws = [("input_1", []), ("sequential", w1[1] + w2[1]), w3]
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.11.0")
    x = rng.x(2, 6)
    write_io(out, [("input_1", x)], [("dense_3", mlp_forward(x, [w1, w2, w3], ["relu", "tanh", "linear"]))])


@case("Keras 2.3.1 seq2seq (class_name 'Model'): encoder LSTM 'enc' with return_state, "
      "decoder LSTM 'dec' called with initial_state, serialized as extra inbound tensors "
      "[[['dec_in',0,0,{}],['enc',0,1,{}],['enc',0,2,{}]]]; Dense on the 3-D sequence")
def seq2seq_initial_state(out, rng):
    layers = [layer("InputLayer", input_layer("enc_in", [None, 5, 3])["config"], []),
              layer("InputLayer", input_layer("dec_in", [None, 4, 2])["config"], []),
              layer("LSTM", lstm_cfg("enc", 4, return_state=True), node(["enc_in"])),
              layer("LSTM", lstm_cfg("dec", 4, return_sequences=True),
                    node(["dec_in"], ["enc", 0, 1], ["enc", 0, 2])),
              layer("Dense", dense_cfg("out", 2), node(["dec"]))]
    for entry in layers[2:4]:
        del entry["config"]["time_major"]  # not in Keras 2.3
        entry["config"]["implementation"] = 2
    for entry in layers[:2]:
        del entry["config"]["ragged"]
    cfg = functional_config("model_1", layers, ["enc_in", "dec_in"], ["out"], class_name="Model")
    enc = [rng.w(3, 16), rng.w(4, 16), rng.w(16)]
    dec = [rng.w(2, 16), rng.w(4, 16), rng.w(16)]
    dk, db = rng.w(4, 2), rng.w(2)
    ws = [("enc_in", []), ("dec_in", []), ("enc", rnn_weights("enc", *enc)), ("dec", rnn_weights("dec", *dec)),
          ("out", [("out/kernel:0", dk), ("out/bias:0", db)])]
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.3.1", root_bytes=True)
    xe, xd = rng.x(2, 5, 3), rng.x(2, 4, 2)
    _, h, c = lstm(xe, *enc)
    seq, _, _ = lstm(xd, *dec, h=h, c=c, return_sequences=True)
    write_io(out, [("enc_in", xe), ("dec_in", xd)], [("out", dense(seq, dk, db))])


@case("Keras 2.15.0 LSTM kwargs implementation: 1, unroll: true, time_major: false, "
      "return_sequences: true")
def rnn_kwargs_implementation_unroll(out, rng):
    c = lstm_cfg("lstm", 3, [None, 4, 2], implementation=1, return_sequences=True, unroll=True)
    cfg = seq_config("sequential", [input_layer("lstm_input", [None, 4, 2]), layer("LSTM", c)])
    w = [rng.w(2, 12), rng.w(3, 12), rng.w(12)]
    write_model_h5(f"{out}/model.h5", cfg, [("lstm", rnn_weights("lstm/lstm_cell", *w))], "2.15.0")
    x = rng.x(2, 4, 2)
    write_io(out, [("lstm_input", x)], [("lstm", lstm(x, *w, return_sequences=True)[0])])


@case("Keras 2.15.0 DepthwiseConv2D (depth_multiplier 2, padding same, `groups`: 1 "
      "in its config) -> Conv2DTranspose (strides 2, valid, `groups`: 1, output_padding null)")
def depthwise_conv2d_transpose(out, rng):
    dw = conv_cfg("depthwise_conv2d", None, (3, 3), padding="same", bis=[None, 5, 5, 2])
    for key in ("filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
        dw.pop(key)
    dw.update({"depth_multiplier": 2, "depthwise_initializer": glorot(), "depthwise_regularizer": NULL,
               "depthwise_constraint": NULL})
    tr = conv_cfg("conv2d_transpose", 3, (3, 3), strides=(2, 2))
    tr["output_padding"] = NULL
    cfg = seq_config("sequential", [input_layer("depthwise_conv2d_input", [None, 5, 5, 2]),
                                    layer("DepthwiseConv2D", dw), layer("Conv2DTranspose", tr)])
    dk, db = rng.w(3, 3, 2, 2), rng.w(4)
    tk, tb = rng.w(3, 3, 3, 4), rng.w(3)
    ws = [("depthwise_conv2d", [("depthwise_conv2d/depthwise_kernel:0", dk), ("depthwise_conv2d/bias:0", db)]),
          ("conv2d_transpose", [("conv2d_transpose/kernel:0", tk), ("conv2d_transpose/bias:0", tb)])]
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.15.0")
    x = rng.x(2, 5, 5, 2)
    y = conv2d_transpose(depthwise_conv2d(x, dk, db, "same"), tk, tb, (2, 2))
    write_io(out, [("depthwise_conv2d_input", x)], [("conv2d_transpose", y)])


@case("Keras 2.11.0 Dense whose kernel_initializer is VarianceScaling with "
      "distribution 'normal' (Keras 2 alias of truncated_normal)")
def variance_scaling_normal(out, rng):
    vs = {"class_name": "VarianceScaling",
          "config": {"scale": 2.0, "mode": "fan_in", "distribution": "normal", "seed": NULL}}
    cfg = seq_config("sequential", [input_layer("dense_input", [None, 4]),
                                    layer("Dense", dense_cfg("dense", 3, "relu", [None, 4], vs))])
    ws = mlp_weights(rng, [4, 3], ["dense"])
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.11.0")
    x = rng.x(2, 4)
    write_io(out, [("dense_input", x)], [("dense", mlp_forward(x, ws, ["relu"]))])


def compiled_mlp(rng):
    ws = mlp_weights(rng, [5, 6, 2], ["dense_1", "dense_2"])
    layers = [layer("Dense", dense_cfg("dense_1", 6, "tanh", [None, 5])), layer("Dense", dense_cfg("dense_2", 2))]
    return ws, layers


@case("Keras 2.2.4 compiled model: training_config {optimizer_config Adam {lr, decay, ...}, "
      "loss 'mse', metrics ['mae'], sample_weight_mode, loss_weights} and optimizer_weights "
      "Adam/iterations:0 (int64), training/Adam/Variable:0 ... (m, v, vhat per weight)",
      "loads (inference ignores the optimizer); outputs match io.json")
def compiled_adam_keras224(out, rng):
    ws, layers = compiled_mlp(rng)
    cfg = seq_config("sequential_1", layers)
    tc = {"optimizer_config": {"class_name": "Adam", "config": {
        "lr": 0.0010000000474974513, "beta_1": 0.8999999761581421, "beta_2": 0.9990000128746033,
        "decay": 0.0, "epsilon": 1e-07, "amsgrad": False}},
        "loss": "mse", "metrics": ["mae"], "sample_weight_mode": NULL, "loss_weights": NULL}
    params = [w for _, lw in ws for _, w in lw]
    slots = [rng.w(*p.shape, scale=0.01) for p in params] + \
        [np.abs(rng.w(*p.shape, scale=0.01)) for p in params] + [np.zeros(1) for _ in params]
    ow = [("Adam/iterations:0", np.array(3, dtype=np.int64))]
    ow += [(f"training/Adam/Variable{'' if i == 0 else '_%d' % i}:0", s.astype(np.float32))
           for i, s in enumerate(slots)]
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.2.4", root_bytes=True,
                   training_config=tc, optimizer_weights=ow)
    x = rng.x(2, 5)
    write_io(out, [("dense_1_input", x)], [("dense_2", mlp_forward(x, ws, ["tanh", "linear"]))])


@case("Keras 2.4.0 (tf.keras OptimizerV2) compiled model: training_config "
      "{loss 'mse', metrics ['mae'], weighted_metrics, loss_weights, optimizer_config Adam "
      "{name, learning_rate, decay, ...}}; optimizer_weights Adam/iter:0, "
      "Adam/dense_1/kernel/m:0 ... Adam/dense_2/bias/v:0",
      "loads (inference ignores the optimizer); outputs match io.json")
def compiled_adam_tf24(out, rng):
    ws, layers = compiled_mlp(rng)
    cfg = seq_config("sequential", [input_layer("dense_1_input", [None, 5])] + layers)
    tc = {"loss": "mse", "metrics": ["mae"], "weighted_metrics": NULL, "loss_weights": NULL,
          "optimizer_config": {"class_name": "Adam", "config": {
              "name": "Adam", "learning_rate": 0.0010000000474974513, "decay": 0.0,
              "beta_1": 0.8999999761581421, "beta_2": 0.9990000128746033, "epsilon": 1e-07,
              "amsgrad": False}}}
    ow = [("Adam/iter:0", np.array(3, dtype=np.int64))]
    for slot in ("m", "v"):
        for _, lw in ws:
            for wname, w in lw:
                ow.append((f"Adam/{wname[:-2]}/{slot}:0", np.abs(rng.w(*w.shape, scale=0.01)).astype(np.float32)))
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.4.0", training_config=tc, optimizer_weights=ow)
    x = rng.x(2, 5)
    write_io(out, [("dense_1_input", x)], [("dense_2", mlp_forward(x, ws, ["tanh", "linear"]))])


@case("Keras 1.2.2 file: Convolution2D (nb_filter, nb_row, nb_col, border_mode, subsample, "
      "dim_ordering 'tf', init), Flatten, Dense (output_dim, input_dim); weights "
      "convolution2d_1_W:0 / _b:0 stored directly in the layer group",
      "Keras 1 dialect: load or refuse with NotSupportedError naming Convolution2D")
def keras1_conv_dense(out, rng):
    conv = {"name": "convolution2d_1", "trainable": True, "batch_input_shape": [None, 6, 6, 1],
            "input_dtype": "float32", "nb_filter": 2, "nb_row": 3, "nb_col": 3, "init": "glorot_uniform",
            "activation": "relu", "border_mode": "valid", "subsample": [1, 1], "dim_ordering": "tf",
            "W_regularizer": NULL, "b_regularizer": NULL, "activity_regularizer": NULL,
            "W_constraint": NULL, "b_constraint": NULL, "bias": True}
    dens = {"name": "dense_1", "trainable": True, "output_dim": 2, "init": "glorot_uniform",
            "activation": "linear", "W_regularizer": NULL, "b_regularizer": NULL,
            "activity_regularizer": NULL, "W_constraint": NULL, "b_constraint": NULL, "bias": True,
            "input_dim": 32}
    cfg = seq_config(None, [layer("Convolution2D", conv), layer("Flatten", {"name": "flatten_1", "trainable": True}),
                            layer("Dense", dens)], legacy_list=True)
    k, b, dk, db = rng.w(3, 3, 1, 2), rng.w(2), rng.w(32, 2), rng.w(2)
    ws = [("convolution2d_1", [("convolution2d_1_W:0", k), ("convolution2d_1_b:0", b)]), ("flatten_1", []),
          ("dense_1", [("dense_1_W:0", dk), ("dense_1_b:0", db)])]
    write_model_h5(f"{out}/model.h5", cfg, ws, "1.2.2", root_bytes=True)
    x = rng.x(2, 6, 6, 1)
    y = dense(conv2d(x, k, b, act="relu").reshape(2, -1), dk, db)
    write_io(out, [("convolution2d_1_input", x)], [("dense_1", y)])


@case("Keras 2.11.0 weights-only file (model.save_weights('weights.h5'): layer_names, "
      "backend, keras_version at the file root, no model_config) beside model.json "
      "(Keras 2 to_json text, Sequential CNN)",
      "model.json + weights.h5 load; outputs match io.json; weights.h5 alone is refused "
      "(no model_config)")
def weights_only_with_model_json(out, rng):
    conv = conv_cfg("conv2d", 2, (3, 3), activation="relu", bis=[None, 6, 6, 1])
    gap = base("global_average_pooling2d")
    gap.update({"data_format": "channels_last", "keepdims": False})
    cfg = seq_config("sequential", [input_layer("conv2d_input", [None, 6, 6, 1]), layer("Conv2D", conv),
                                    layer("GlobalAveragePooling2D", gap),
                                    layer("Dense", dense_cfg("dense", 2))])
    k, b, dk, db = rng.w(3, 3, 1, 2), rng.w(2), rng.w(2, 2), rng.w(2)
    ws = [("conv2d", [("conv2d/kernel:0", k), ("conv2d/bias:0", b)]), ("global_average_pooling2d", []),
          ("dense", [("dense/kernel:0", dk), ("dense/bias:0", db)])]
    write_weights_only_h5(f"{out}/weights.h5", ws, "2.11.0")
    with open(f"{out}/model.json", "w") as f:
        f.write(to_json_text(cfg, "2.11.0"))
    x = rng.x(2, 6, 6, 1)
    y = dense(conv2d(x, k, b, act="relu").mean(axis=(1, 2)), dk, db)
    write_io(out, [("conv2d_input", x)], [("dense", y)])


@case("Keras 2.4.0 Functional to_json() text (model.json, class_name 'Functional', "
      "legacy inbound_nodes) with its Keras 2.4.0 weights-only file weights.h5 beside it",
      "model.json + weights.h5 load; outputs match io.json")
def to_json_functional(out, rng):
    layers = [layer("InputLayer", input_layer("input_1", [None, 3])["config"], []),
              layer("Dense", dense_cfg("dense", 4, "relu"), node(["input_1"])),
              layer("Dense", dense_cfg("dense_1", 2, "sigmoid"), node(["dense"]))]
    cfg = functional_config("model", layers, ["input_1"], ["dense_1"])
    ws = mlp_weights(rng, [3, 4, 2], ["dense", "dense_1"])
    write_weights_only_h5(f"{out}/weights.h5", [("input_1", [])] + ws, "2.4.0")
    with open(f"{out}/model.json", "w") as f:
        f.write(to_json_text(cfg, "2.4.0"))
    x = rng.x(2, 3)
    write_io(out, [("input_1", x)], [("dense_1", mlp_forward(x, ws, ["relu", "sigmoid"]))])


@case("Keras 2.15.0 MLP with every string attribute variable-length str (as h5py writes "
      "Python str; Keras 3's writer does this too)")
def attrs_variable_length(out, rng):
    cfg = seq_config("sequential", [input_layer("dense_input", [None, 4]),
                                    layer("Dense", dense_cfg("dense", 3, "relu", [None, 4])),
                                    layer("Dense", dense_cfg("dense_1", 2))])
    ws = mlp_weights(rng, [4, 3, 2], ["dense", "dense_1"])
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.15.0", mode="vlen")
    x = rng.x(2, 4)
    write_io(out, [("dense_input", x)], [("dense_1", mlp_forward(x, ws, ["relu", "linear"]))])


@case("Keras 2.11.0 MLP whose model_weights layer_names is chunked into layer_names0 and "
      "layer_names1, and each layer's weight_names into weight_names0, weight_names1 "
      "(save_attributes_to_hdf5_group's form for lists over 64512 bytes)")
def layer_names_chunked(out, rng):
    cfg = seq_config("sequential", [input_layer("dense_input", [None, 4]),
                                    layer("Dense", dense_cfg("dense", 3, "relu", [None, 4])),
                                    layer("Dense", dense_cfg("dense_1", 3, "relu")),
                                    layer("Dense", dense_cfg("dense_2", 2))])
    ws = mlp_weights(rng, [4, 3, 3, 2], ["dense", "dense_1", "dense_2"])
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.11.0", mode="chunked")
    x = rng.x(2, 4)
    write_io(out, [("dense_input", x)], [("dense_2", mlp_forward(x, ws, ["relu", "relu", "linear"]))])


def tf_op(name, function, node, class_name="TFOpLambda"):
    """tf.keras's TFOpLambda entry: Layer config + `function`; its node keeps the first
    argument's structure (one tensor: the reference itself) and the other arguments by name."""
    cfg = {"name": name, "trainable": True, "dtype": "float32", "function": function}
    return {"class_name": class_name, "config": cfg, "name": name, "inbound_nodes": [node]}


@case("Keras 2.11.0 Functional whose TensorFlow ops are TFOpLambda / SlicingOpLambda layers "
      "(tf.math.multiply by a constant, tf.reshape, x[:, :, 1:], tf.concat of a list, "
      "tf.math.reduce_mean(axis=1), tf.nn.softmax, 1.0 - x as a _CONSTANT_VALUE first argument); "
      "they have no weights but are listed in layer_names",
      "loads (kplug maps the ops to Keras 3 op nodes; Keras 3 refuses TFOpLambda); outputs match io.json")
def functional_tf_op_lambda(out, rng):
    every = {"start": None, "stop": None, "step": None}
    layers = [
        layer("InputLayer", input_layer("input_1", [None, 4])["config"], []),
        layer("Dense", dense_cfg("dense", 6, "relu"), node(["input_1"])),
        tf_op("tf.math.multiply", "math.multiply", ["dense", 0, 0, {"y": 0.5, "name": None}]),
        tf_op("tf.reshape", "reshape", ["tf.math.multiply", 0, 0, {"shape": [-1, 2, 3], "name": None}]),
        tf_op("tf.__operators__.getitem", "__operators__.getitem",
              ["tf.reshape", 0, 0, {"slice_spec": [every, every, {"start": 1, "stop": None, "step": None}]}],
              "SlicingOpLambda"),
        layer("Dense", dense_cfg("dense_1", 4), node(["input_1"])),
        tf_op("tf.reshape_1", "reshape", ["dense_1", 0, 0, {"shape": [-1, 2, 2], "name": None}]),
        tf_op("tf.concat", "concat", [["tf.__operators__.getitem", 0, 0, {"axis": -1, "name": None}],
                                      ["tf.reshape_1", 0, 0, {"axis": -1, "name": None}]]),
        tf_op("tf.math.reduce_mean", "math.reduce_mean", ["tf.concat", 0, 0, {"axis": 1}]),
        tf_op("tf.nn.softmax", "nn.softmax", ["tf.math.reduce_mean", 0, 0, {"axis": -1, "name": None}]),
        tf_op("tf.math.subtract", "math.subtract",
              ["_CONSTANT_VALUE", -1, 1.0, {"y": ["tf.nn.softmax", 0, 0], "name": None}]),
    ]
    cfg = functional_config("model", layers, ["input_1"], ["tf.math.subtract"])
    d0 = mlp_weights(rng, [4, 6], ["dense"])[0]
    d1 = mlp_weights(rng, [4, 4], ["dense_1"])[0]
    ws = [(e["config"]["name"], []) for e in layers]
    ws[1], ws[5] = d0, d1
    write_model_h5(f"{out}/model.h5", cfg, ws, "2.11.0")
    x = rng.x(2, 4)
    a = (mlp_forward(x, [d0], ["relu"]) * 0.5).reshape(-1, 2, 3)[:, :, 1:]
    b = mlp_forward(x, [d1], ["linear"]).reshape(-1, 2, 2)
    m = np.concatenate([a, b], axis=-1).mean(axis=1)
    e = np.exp(m - m.max(axis=-1, keepdims=True))
    write_io(out, [("input_1", x)], [("tf.math.subtract", 1.0 - e / e.sum(axis=-1, keepdims=True))])


# ---------------------------------------------------------------- hostile files
HOSTILE = []


def hostile(error):
    def wrap(fn):
        HOSTILE.append((fn.__name__, error, fn))
        return fn
    return wrap


def tiny_mlp():
    rng = Rng("hostile")
    cfg = seq_config("sequential", [input_layer("dense_input", [None, 2]),
                                    layer("Dense", dense_cfg("dense", 2, bis=[None, 2]))])
    return cfg, mlp_weights(rng, [2, 2], ["dense"])


@hostile("model_config is not JSON: error names the root attribute model_config and the parse failure")
def model_config_not_json(path):
    cfg, ws = tiny_mlp()
    write_model_h5(path, cfg, ws, "2.11.0")
    with h5py.File(path, "a") as f:
        f.attrs["model_config"] = b'{"class_name": "Sequential", "config": {'


@hostile("no model_config attribute (a weights-only file renamed model.h5): error says the "
         "file has no model_config and is a weights-only file (load it with an architecture)")
def missing_model_config(path):
    cfg, ws = tiny_mlp()
    write_model_h5(path, cfg, ws, "2.11.0")
    with h5py.File(path, "a") as f:
        del f.attrs["model_config"]


@hostile("model_weights/layer_names lists 'dense_9', which has no group: error names "
         "model_weights/dense_9")
def layer_names_missing_group(path):
    cfg, ws = tiny_mlp()
    write_model_h5(path, cfg, ws, "2.11.0")
    with h5py.File(path, "a") as f:
        f["model_weights"].attrs["layer_names"] = np.array([b"dense_9"])


@hostile("model_weights/dense weight_names lists dense/kernel:0 and dense/bias:0 but the "
         "bias dataset is missing: error names model_weights/dense/dense/bias:0")
def weight_names_missing_dataset(path):
    cfg, ws = tiny_mlp()
    write_model_h5(path, cfg, ws, "2.11.0")
    with h5py.File(path, "a") as f:
        del f["model_weights/dense/dense/bias:0"]


@hostile("dense/kernel:0 stored with shape (3, 2) where Dense(2) on 2 inputs needs (2, 2): "
         "error names the dataset, expected and found shapes")
def weight_wrong_shape(path):
    cfg, ws = tiny_mlp()
    ws = [("dense", [("dense/kernel:0", np.zeros((3, 2))), ws[0][1][1]])]
    write_model_h5(path, cfg, ws, "2.11.0")


@hostile("dense/kernel:0 is an HDF5 external link to another file: refused (no link "
         "following out of the file), error names the path")
def external_link_weight(path):
    cfg, ws = tiny_mlp()
    write_model_h5(path, cfg, ws, "2.11.0")
    with h5py.File(path, "a") as f:
        del f["model_weights/dense/dense/kernel:0"]
        f["model_weights/dense/dense/kernel:0"] = h5py.ExternalLink("other.h5", "/kernel")


# ---------------------------------------------------------------- tf.keras 2.13-2.15 .keras zips
# tf_keras/saving/saving_lib.py: save_model writes metadata.json, config.json (the
# serialize_keras_object form: public classes get their API module, "keras" for
# Sequential, "keras.layers", "keras.initializers"; layers carry build_config) and
# model.weights.h5, where _save_state gives every trackable a `vars` group at its
# attribute path (the model's own at the root, layers under `layers/<snake_case class>`
# numbered _1, _2 for repeats, an RNN's cell under `layers/lstm/cell`), datasets "0", "1", ...
ZIP_CASES = []


def zip_case(description):
    def wrap(fn):
        ZIP_CASES.append((fn.__name__, description, fn))
        return fn
    return wrap


def v3_obj(module, class_name, config, build_shape=None):
    obj = {"module": module, "class_name": class_name, "config": config, "registered_name": NULL}
    if build_shape is not None:
        obj["build_config"] = {"input_shape": list(build_shape)}
    return obj


def v3_init(class_name, config):
    return v3_obj("keras.initializers", class_name, config)


def v3_dense(name, units, activation, build_shape):
    cfg = {"name": name, "trainable": True, "dtype": "float32", "units": units,
           "activation": activation, "use_bias": True,
           "kernel_initializer": v3_init("GlorotUniform", {"seed": NULL}),
           "bias_initializer": v3_init("Zeros", {}), "kernel_regularizer": NULL,
           "bias_regularizer": NULL, "activity_regularizer": NULL, "kernel_constraint": NULL,
           "bias_constraint": NULL}
    return v3_obj("keras.layers", "Dense", cfg, build_shape)


def v3_input(name, batch_shape, dtype):
    return v3_obj("keras.layers", "InputLayer", {
        "batch_input_shape": list(batch_shape), "dtype": dtype, "sparse": False,
        "ragged": False, "name": name})


def write_keras_zip(path, layer_configs, build_shape, weights):
    """weights: [(h5 path of a vars group, [arrays])], every trackable's group."""
    config = v3_obj("keras", "Sequential", {"name": "sequential", "layers": layer_configs},
                    build_shape)
    h5_bytes = __import__("io").BytesIO()
    with h5py.File(h5_bytes, "w") as f:
        for group, arrays in weights:
            g = f.create_group(group)
            for i, a in enumerate(arrays):
                g.create_dataset(str(i), data=np.asarray(a, dtype=np.float32))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    members = [("metadata.json", json.dumps({"keras_version": "2.15.0",
                                             "date_saved": "2023-11-14@12:00:00"}).encode()),
               ("config.json", json.dumps(config).encode()),
               ("model.weights.h5", h5_bytes.getvalue())]
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:  # fixed timestamps: the corpus regenerates byte-identical
            zf.writestr(zipfile.ZipInfo(name, date_time=(2023, 11, 14, 12, 0, 0)), data)


@zip_case("tf.keras 2.15 `.keras` Sequential MLP: Input(8) -> Dense(16, relu) -> Dense(4, softmax)")
def zip_mlp(out, rng):
    layers = [v3_input("input_1", [None, 8], "float32"), v3_dense("dense", 16, "relu", [None, 8]),
              v3_dense("dense_1", 4, "softmax", [None, 16])]
    ws = mlp_weights(rng, [8, 16, 4], ["dense", "dense_1"])
    write_keras_zip(f"{out}/model.keras", layers, [None, 8],
                    [("vars", []), ("layers/dense/vars", [w for _, w in ws[0][1]]),
                     ("layers/dense_1/vars", [w for _, w in ws[1][1]])])
    x = rng.x(2, 8)
    write_io(out, [("input_1", x)], [("dense_1", mlp_forward(x, ws, ["relu", "softmax"]))])


@zip_case("tf.keras 2.15 `.keras` Sequential Input(6, int32) -> Embedding(20, 4) -> LSTM(5) "
          "-> Dense(2); LSTM weights under layers/lstm/cell/vars, layers/lstm/vars empty")
def zip_embedding_lstm(out, rng):
    emb = {"name": "embedding", "trainable": True, "dtype": "float32", "input_dim": 20, "output_dim": 4,
           "embeddings_initializer": v3_init("RandomUniform", {"minval": -0.05, "maxval": 0.05, "seed": NULL}),
           "embeddings_regularizer": NULL, "activity_regularizer": NULL, "embeddings_constraint": NULL,
           "mask_zero": False, "input_length": NULL}
    lc = lstm_cfg("lstm", 5)
    for key in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
        lc[key] = v3_init(lc[key]["class_name"], lc[key]["config"])
    layers = [v3_input("input_1", [None, 6], "int32"), v3_obj("keras.layers", "Embedding", emb, [None, 6]),
              v3_obj("keras.layers", "LSTM", lc, [None, 6, 4]), v3_dense("dense", 2, "linear", [None, 5])]
    e, k, rk, b = rng.w(20, 4), rng.w(4, 20), rng.w(5, 20), rng.w(20)
    dk, db = rng.w(5, 2), rng.w(2)
    write_keras_zip(f"{out}/model.keras", layers, [None, 6],
                    [("vars", []), ("layers/embedding/vars", [e]), ("layers/lstm/vars", []),
                     ("layers/lstm/cell/vars", [k, rk, b]), ("layers/dense/vars", [dk, db])])
    ids = rng.r.integers(0, 20, size=(2, 6))
    h, _, _ = lstm(e[ids], k, rk, b)
    inp = tensor("input_1", ids)
    inp["dtype"] = "int32"
    inp["data"] = [int(v) for v in ids.ravel()]
    with open(os.path.join(out, "io.json"), "w") as f:
        json.dump({"inputs": [inp], "outputs": [tensor("dense", dense(h, dk, db))]}, f)


# ---------------------------------------------------------------- layout.json
def attr_entry(obj, name):
    tid = obj.attrs.get_id(name)
    t = tid.get_type()
    value = obj.attrs[name]
    if isinstance(value, np.ndarray):
        value = [v.decode() if isinstance(v, bytes) else (v.item() if hasattr(v, "item") else v)
                 for v in value.ravel()]
    elif isinstance(value, bytes):
        value = value.decode()
    entry = {"shape": list(tid.shape)}
    if isinstance(t, h5py.h5t.TypeStringID):
        entry.update({"h5_class": "string", "variable_length": bool(t.is_variable_str()),
                      "charset": "utf-8" if t.get_cset() == h5py.h5t.CSET_UTF8 else "ascii"})
        if not t.is_variable_str():
            entry["size"] = t.get_size()
    else:
        entry.update({"h5_class": type(t).__name__.replace("Type", "").replace("ID", "").lower(),
                      "dtype": str(tid.dtype)})
    return {"value": value, "type": entry}


def describe_h5(path):
    """Every attribute (decoded, with its HDF5 string encoding) and every dataset of a
    file, in the shape of the Keras 3 fixtures' checks.json h5_attributes/h5_datasets."""
    attrs, datasets = {}, {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if obj.attrs:
                attrs[name] = {k: attr_entry(obj, k) for k in obj.attrs}
            if isinstance(obj, h5py.Dataset):
                datasets[name] = [list(obj.shape), str(obj.dtype)]
        visit("/", f)
        f.visititems(visit)
    return {"h5_attributes": attrs, "h5_datasets": datasets}


def write_layout(folder):
    out = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".h5"):
            out[name] = describe_h5(os.path.join(folder, name))
    with open(os.path.join(folder, "layout.json"), "w") as f:
        json.dump(out, f, indent=1)


# ---------------------------------------------------------------- main
def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "legacy_h5")
    k2 = os.path.join(root, "keras2")
    hs = os.path.join(root, "hostile")
    for d in (k2, hs):
        if os.path.isdir(d):
            for entry in os.listdir(d):
                p = os.path.join(d, entry)
                if os.path.isdir(p):
                    shutil.rmtree(p)
        os.makedirs(d, exist_ok=True)
    lines = ["# legacy_h5/keras2: Keras 1.x / 2.x `.h5` files laid out as Keras 2 wrote them",
             "",
             "Written by `tools/legacy_h5_corpus.py` (numpy + h5py only; no Keras 2 is installable",
             "here). The layout follows tf-keras's writer (`tf_keras/saving/legacy/hdf5_format.py`):",
             "root attributes `keras_version`, `backend`, `model_config` (JSON bytes) and",
             "`training_config`; group `model_weights` with `layer_names`, `backend`, `keras_version`",
             "attributes and one group per layer (created in sorted name order) holding",
             "`weight_names` (`dense_1/kernel:0`, ...) and the datasets at those names;",
             "`top_level_model_weights` for tf.keras >= 2.7 versions. String lists are numpy",
             "fixed-length `S` arrays unless the case says otherwise; an empty `weight_names` is an",
             "empty float64 array. Scalar string attributes: tf.keras writes keras_version and",
             "backend at the root as Python str (variable-length UTF-8) and the rest as bytes;",
             "bytes become fixed-length `S` scalars for versions <= 2.4 (h5py 2) and",
             "variable-length ASCII strings for >= 2.5 (h5py 3). Standalone Keras (<= 2.3, 1.x)",
             "wrote every attribute as bytes. Layer configs carry the keys that version's",
             "get_config wrote.",
             "",
             "Expected outputs (`io.json`, same format as the Keras 3 fixtures: inputs named after",
             "the InputLayer, `<first layer>_input` for a Sequential without one; outputs named after",
             "the producing layer; batch 2; float32, data flat in C order) are computed by the",
             "script's own numpy reference implementations in float64 from the float32 weights",
             "stored in the file, seeded with crc32 of the case name.",
             "",
             "`layout.json` in each folder: every attribute of each .h5 file (decoded value, HDF5",
             "string encoding: fixed/variable length, charset, shape) and every dataset (shape,",
             "dtype), in the form of the Keras 3 fixtures' checks.json h5_attributes/h5_datasets.",
             "",
             "`keras3_verdict.json` records whether real Keras 3.16 loads each file and reproduces",
             "io.json (documentation of how far Keras 3 gets, and a second check of the numpy).",
             "",
             "## Cases", ""]
    for name, desc, outcome, fn in CASES:
        folder = os.path.join(k2, name)
        os.makedirs(folder, exist_ok=True)
        fn(folder, Rng(name))
        write_layout(folder)
        files = ", ".join(sorted(f for f in os.listdir(folder)))
        lines.append(f"- `{name}/` ({files}): {desc}. Expected: {outcome}.")
    with open(os.path.join(k2, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    hl = ["# legacy_h5/hostile: invalid legacy `.h5` files for refusal tests", "",
          "Written by `tools/legacy_h5_corpus.py`; each is the tiny Keras 2.11.0 model",
          "Input(2) -> Dense(2) with one defect. Every one must be refused with an error naming",
          "where the problem is (HDF5 path / attribute) and what was expected; none may crash",
          "or load. (A model_config over 64 MiB is made by the C++ test itself.)",
          "`keras3_verdict.json`: what Keras 3.16 says about each (tools/legacy_h5_keras3_check.py).",
          ""]
    for name, err, fn in HOSTILE:
        fn(os.path.join(hs, f"{name}.h5"))
        hl.append(f"- `{name}.h5`: {err}.")
    with open(os.path.join(hs, "README.md"), "w") as f:
        f.write("\n".join(hl) + "\n")
    zroot = os.path.join(root, "keras215_zip")
    zl = ["# legacy_h5/keras215_zip: `.keras` archives as tf.keras 2.13-2.15 wrote them", "",
          "Written by `tools/legacy_h5_corpus.py` following tf_keras/saving/saving_lib.py:",
          "zip (stored) of metadata.json (`keras_version` 2.15.0), config.json (the",
          "serialize_keras_object form: `module` `keras` for Sequential, `keras.layers`,",
          "`keras.initializers`, `registered_name` null, `build_config`; Keras 2 layer kwargs",
          "such as InputLayer `batch_input_shape`, RNN `time_major`, Embedding `input_length`)",
          "and model.weights.h5 (a `vars` group per trackable at its attribute path, datasets",
          "`0`, `1`, ...). io.json from the numpy reference, as for ../keras2.", ""]
    for name, desc, fn in ZIP_CASES:
        folder = os.path.join(zroot, name)
        if os.path.isdir(folder):
            shutil.rmtree(folder)
        os.makedirs(folder)
        fn(folder, Rng(name))
        zl.append(f"- `{name}/` (model.keras, io.json): {desc}.")
    with open(os.path.join(zroot, "README.md"), "w") as f:
        f.write("\n".join(zl) + "\n")
    print(f"{len(CASES)} cases, {len(HOSTILE)} hostile files, {len(ZIP_CASES)} .keras zips under {root}")


if __name__ == "__main__":
    main()
