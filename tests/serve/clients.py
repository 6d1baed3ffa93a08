#!/usr/bin/env python3
"""kplug serve with real clients: the CLI serves three models (one with a plugin layer) and
Python's requests and urllib, curl and headless Chromium talk to it with TF Serving's
documented bodies. Answers must equal `kplug predict` (in-process predict) as float32.
Then SIGTERM during load: every request sent before it is answered, and the exit code is 0.

Usage: clients.py KPLUG_CLI TEST_DATA_DIR PLUGIN_DIR
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import requests

KPLUG, DATA, PLUGINS = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def flat(value):
    if isinstance(value, list):
        return [y for x in value for y in flat(x)]
    return [value]


def in_process(model, inputs, plugins=False):
    """kplug predict's outputs (name -> flat float32 list) for {"name": (shape, flat data)}."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"inputs": [{"name": n, "dtype": d, "shape": s, "data": v} for n, (d, s, v) in inputs.items()]}, f)
    args = [KPLUG, "predict", model, "--input", f.name] + (["--plugins", PLUGINS] if plugins else [])
    out = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    os.unlink(f.name)
    return {o["name"]: [f32(x) for x in o["data"]] for o in out["outputs"]}


def rows(shape, data):
    """Nested lists of `shape` from flat `data`."""
    if len(shape) == 1:
        return list(data)
    step = len(data) // shape[0]
    return [rows(shape[1:], data[i * step:(i + 1) * step]) for i in range(shape[0])]


def wait_ready(url):
    for _ in range(600):
        try:
            if requests.get(url + "/healthz", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)


def start_server(workdir):
    for name, fixture in [("mlp", "mlp_seq"), ("siamese", "siamese_functional"), ("kernelmult", "custom_kernelmult")]:
        os.makedirs(f"{workdir}/{name}/1")
        shutil.copy(f"{DATA}/keras/{fixture}.keras", f"{workdir}/{name}/1/model.keras")
    with open(f"{workdir}/models.config", "w") as f:
        f.write("model_config_list {\n" + "".join(
            f'  config {{ name: "{n}" base_path: "{workdir}/{n}" model_platform: "tensorflow" }}\n'
            for n in ["mlp", "siamese", "kernelmult"]) + "}\n")
    server = subprocess.Popen([KPLUG, "serve", "--model-config-file", f"{workdir}/models.config", "--plugins", PLUGINS,
                               "--port", "0", "--enable-batching"], stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    check("listening on http://127.0.0.1:" in line, "the server prints its address: " + line.strip())
    url = line.strip().split()[-1]
    wait_ready(url)
    check(requests.get(url + "/healthz").status_code == 200, "/healthz is 200 once every model loaded")
    return server, url


def test_predict(url):
    io = json.load(open(f"{DATA}/models/mlp_seq/io.json"))["inputs"][0]
    expected = in_process(f"{DATA}/keras/mlp_seq.keras", {io["name"]: (io["dtype"], io["shape"], io["data"])})
    instances = rows(io["shape"], io["data"])
    answer = requests.post(url + "/v1/models/mlp:predict", json={"instances": instances})
    check(answer.status_code == 200, "requests: row format predict is 200")
    check([f32(x) for x in flat(answer.json()["predictions"])] == expected["dense_1"],
          "requests: predictions equal kplug predict")
    # urllib, columnar format, a version in the URL.
    body = json.dumps({"signature_name": "serving_default", "inputs": instances}).encode()
    request = urllib.request.Request(url + "/v1/models/mlp/versions/1:predict", data=body, method="POST")
    with urllib.request.urlopen(request) as r:
        outputs = json.load(r)["outputs"]
    check([f32(x) for x in flat(outputs)] == expected["dense_1"], "urllib: columnar outputs equal kplug predict")
    # Several named inputs and outputs.
    ios = json.load(open(f"{DATA}/models/siamese_functional/io.json"))["inputs"]
    expected = in_process(f"{DATA}/keras/siamese_functional.keras", {i["name"]: (i["dtype"], i["shape"], i["data"]) for i in ios})
    named = [{i["name"]: rows(i["shape"], i["data"])[r] for i in ios} for r in range(ios[0]["shape"][0])]
    predictions = requests.post(url + "/v1/models/siamese:predict", json={"instances": named}).json()["predictions"]
    for name in ["diff", "encoder"]:
        check([f32(x) for p in predictions for x in flat(p[name])] == expected[name],
              f"requests: named output {name} of each instance equals kplug predict")


def test_plugin_model(url):
    metadata = requests.get(url + "/v1/models/kernelmult/metadata").json()
    inputs = metadata["metadata"]["signature_def"]["signature_def"]["serving_default"]["inputs"]
    (name, info), = inputs.items()
    shape = [2] + [int(d["size"]) for d in info["tensor_shape"]["dim"][1:]]
    count = 1
    for d in shape:
        count *= d
    data = [((i * 37) % 11 - 5) / 4.0 for i in range(count)]
    expected = in_process(f"{DATA}/keras/custom_kernelmult.keras", {name: ("float32", shape, data)}, plugins=True)
    outputs = requests.post(url + "/v1/models/kernelmult:predict", json={"inputs": {name: rows(shape, data)}}).json()
    served = outputs["outputs"]
    values = list(served.values()) if isinstance(served, dict) else [served]
    check([f32(x) for x in flat(values[0])] == list(expected.values())[0],
          "a plugin layer's model (--plugins) answers as kplug predict")


def test_curl(url, workdir):
    with open(f"{workdir}/body.json", "w") as f:
        json.dump({"instances": [[0.5] * 32]}, f)
    out = subprocess.run(["curl", "-s", "-X", "POST", "-d", f"@{workdir}/body.json", url + "/v1/models/mlp:predict"],
                         capture_output=True, text=True).stdout
    check(out.startswith('{"predictions":[['), "curl: predict answers " + out)
    out = subprocess.run(["curl", "-s", "-w", " %{http_code}", url + "/v1/models/nope"], capture_output=True, text=True).stdout
    check(out == '{"error":"Could not find any versions of model nope"} 404', "curl: unknown model is 404: " + out)
    out = subprocess.run(["curl", "-s", "-w", " %{http_code}", "-d", '{"instances": [[1, 2]]}', url + "/v1/models/mlp:predict"],
                         capture_output=True, text=True).stdout
    check(out.endswith(" 400") and "input 'input_layer'" in out, "curl: a wrong shape is 400 naming the input")
    status = requests.get(url + "/v1/models/mlp").json()
    check(status == {"model_version_status": [{"version": "1", "state": "AVAILABLE",
                                               "status": {"error_code": "OK", "error_message": ""}}]},
          "requests: model status as TF Serving's")


def test_status_page(url):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    check(chromium is not None, "chromium is installed (Debian package chromium)")
    if not chromium:
        return
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=8000",
                          "--dump-dom", url + "/#predict"], capture_output=True, text=True, timeout=120).stdout
    check("Model mlp" in dom and "Model kernelmult" in dom, "Chromium: the page lists the models")
    check("AVAILABLE" in dom and "Total params" in dom and "DT_FLOAT" in dom,
          "Chromium: versions, summaries and signatures rendered")
    check('<pre class="result">200 {"predictions":' in dom, "Chromium: the page's form sent a predict and shows 200")


def test_sigterm_under_load(server, url):
    body = {"instances": [[0.25] * 32]}
    results = []

    def client():
        session = requests.Session()
        while True:
            started = time.monotonic()
            try:
                results.append((session.post(url + "/v1/models/mlp:predict", json=body, timeout=30).status_code, started))
            except requests.RequestException:
                results.append(("refused", started))
                return
    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    sigterm = time.monotonic()
    server.send_signal(signal.SIGTERM)
    code = server.wait(timeout=30)
    for t in threads:
        t.join()
    answered = [s for s, _ in results if s != "refused"]
    check(code == 0, f"SIGTERM: exit code {code}")
    check(len(answered) > 8 and all(s == 200 for s in answered), f"SIGTERM: {len(answered)} answers, all 200")
    # A keep-alive connection the server closes as idle can cross a request the client is just
    # sending (HTTP's own race); a request sent well before SIGTERM must have been answered.
    check(all(started > sigterm - 0.2 for s, started in results if s == "refused"),
          "SIGTERM: no request sent before it was dropped")


def test_predict_threads(workdir):
    """Each predict call gets its share of the cores: --tensorflow-intra-op-parallelism N, else
    the cores over the threads that predict at once (2 HTTP threads here), at least 1."""
    env = {k: v for k, v in os.environ.items() if k != "KPLUG_NUM_THREADS"}
    for flags, expected in [(["--tensorflow-intra-op-parallelism", "3"], 3), ([], max(1, os.cpu_count() // 2))]:
        server = subprocess.Popen([KPLUG, "serve", "--model-base-path", f"{workdir}/mlp", "--port", "0"] + flags,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            server.stdout.readline()
            said = ""
            for _ in range(20):  # the line comes right after the address; model loads may log before it
                line = server.stderr.readline()
                if not line or "per predict call" in line:
                    said = line.strip()
                    break
            check(said == f"kplug serve: {expected} thread(s) per predict call",
                  f"{' '.join(flags) or 'by default'}: {expected} thread(s) per predict call: {said}")
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_limit_flags(workdir):
    """kplug's own limits (TF Serving has no such flags): --max-json-depth, --max-elements and
    --max-connections reach the server."""
    server = subprocess.Popen([KPLUG, "serve", "--model-base-path", f"{workdir}/mlp", "--model-name", "mlp",
                               "--port", "0", "--max-json-depth", "4", "--max-elements", "40",
                               "--max-connections", "2"], stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip().split()[-1]
        wait_ready(url)
        row = [0.5] * 32
        def post(body):
            # One connection at a time, closed after its answer (a 503 only while an earlier one
            # is still closing on the server's side).
            for _ in range(300):
                answer = requests.post(url + "/v1/models/mlp:predict", data=body, headers={"Connection": "close"})
                if answer.status_code != 503:
                    return answer
                time.sleep(0.01)
            return answer

        ok = post(json.dumps({"instances": [row]}))
        check(ok.status_code == 200, "--max-elements 40: one row of 32 numbers is answered")
        many = post(json.dumps({"instances": [row, row]}))
        check(many.status_code == 400 and "too many values" in many.json()["error"],
              "--max-elements 40: two rows answer 400: " + many.text)
        deep = post('{"instances": [[[[1]]]]}')
        check(deep.status_code == 400 and "nested deeper than 4 levels" in deep.json()["error"],
              "--max-json-depth 4: deeper answers 400: " + deep.text)
        host, port = url.split("//")[1].split(":")

        def admitted():
            # A slot frees once the server has seen an earlier connection close: retried until then.
            for _ in range(300):
                s = socket.create_connection((host, int(port)))
                s.sendall(b"GET /v1/models/mlp HTTP/1.1\r\nHost: x\r\n\r\n")
                if s.recv(65536).startswith(b"HTTP/1.1 200"):
                    return s
                s.close()
                time.sleep(0.01)
            return None

        held = [admitted(), admitted()]
        check(all(held), "--max-connections 2: two connections are admitted")
        refused = requests.get(url + "/v1/models/mlp", headers={"Connection": "close"})
        check(refused.status_code == 503, "--max-connections 2: a third connection answers 503: " + refused.text)
        for s in held:
            if s:
                s.close()
        for _ in range(200):
            metrics = requests.get(url + "/metrics", headers={"Connection": "close"})
            if metrics.status_code == 200:
                break
            time.sleep(0.01)
        check("kplug_serve_connections_refused_total " in metrics.text and
              "kplug_serve_connections_refused_total 0" not in metrics.text,
              "/metrics counts the refused connections")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main():
    workdir = tempfile.mkdtemp(prefix="kplug-serve-clients-")
    server, url = start_server(workdir)
    try:
        test_predict(url)
        test_plugin_model(url)
        test_curl(url, workdir)
        test_status_page(url)
        test_limit_flags(workdir)
        test_predict_threads(workdir)
        test_sigterm_under_load(server, url)
    finally:
        if server.poll() is None:
            server.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
