# Ground truth for the legacy config upgrader: each legacy_h5 fixture's model_config and
# training_config attributes, and Keras 3.16's to_json() after load_model(compile=False).
import json, os, sys, h5py, keras
src = sys.argv[1]; dst = sys.argv[2]
for name in ["compiled_adam_mse_mae", "compiled_loss_objects", "mlp", "nested_sequential", "rnn"]:
    path = os.path.join(src, name, "model.h5")
    out = os.path.join(dst, name); os.makedirs(out, exist_ok=True)
    with h5py.File(path, "r") as f:
        for attr in ["model_config", "training_config"]:
            if attr in f.attrs:
                v = f.attrs[attr]
                v = v.decode() if isinstance(v, bytes) else v
                open(os.path.join(out, attr + ".json"), "w").write(v)
    model = keras.saving.load_model(path, compile=False)
    open(os.path.join(out, "keras3_to_json.json"), "w").write(model.to_json())
    print(name, "ok")
