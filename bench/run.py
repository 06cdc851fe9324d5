"""`make bench`: the series' speed and quality, measured side by side in one run.

Writes ``bench/results.json`` and ``bench/RESULTS.md``.  Every number is measured by this run;
ratios are taken inside it (the two recipes are interleaved chunk by chunk so that machine
load hits both alike).  ``--smoke`` runs every section on small data in seconds (CI does, so
the bench never rots) and asserts nothing about speed.

    .venv/bin/python bench/run.py                      # full bench (about 30 min on 2 cores)
    .venv/bin/python bench/run.py --only recipes,linear_vs_pca   # some sections, merged into results.json
    .venv/bin/python bench/run.py --smoke --out build/bench-smoke
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aehelpers as ae  # noqa: E402
from aehelpers.files import write_text  # noqa: E402
from bench.notebook06 import bench_notebook06  # noqa: E402,F401  (section "notebook06")

SECTIONS = ("entropy_floor", "recipes", "linear_vs_pca", "sweep", "slider_ms", "series_s", "notebook06")


def _median_ms(fn, values) -> float:
    times = []
    for v in values:
        t = time.perf_counter()
        fn(v)
        times.append((time.perf_counter() - t) * 1000)
    return float(statistics.median(times))


# --------------------------------------------------------------------------------------------
def bench_entropy_floor(cfg, data, out):
    from aehelpers.framework import entropy_floor

    out["entropy_floor"] = round(float(entropy_floor(data.x_test)), 6)


def _seed_recipe_model():
    """The blog's code, as written there (Keras 3 spelling): no aehelpers involved."""
    import keras
    from keras import layers

    input_img = keras.Input(shape=(784,))
    encoded = layers.Dense(32, activation="relu")(input_img)
    decoded = layers.Dense(784, activation="sigmoid")(encoded)
    autoencoder = keras.Model(input_img, decoded)
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    return autoencoder


def bench_recipes(cfg, data, out):
    """The seed's plain Keras code and the aehelpers path, interleaved chunk by chunk."""
    from aehelpers.framework import entropy_floor
    from aehelpers.models import build_autoencoder
    from aehelpers.training import train

    x_train, x_test = data.x_train, data.x_test
    epochs, chunk = cfg["epochs"], cfg["chunk"]
    ae.seed_everything(cfg["seed"])
    plain = _seed_recipe_model()
    ae.seed_everything(cfg["seed"])
    helper = build_autoencoder(32).model
    seconds = {"plain": 0.0, "aehelpers": 0.0}  # whole calls: everything each path does
    epoch_s = {"plain": [], "aehelpers": []}  # inside Keras' epochs only (timed by a callback)
    val = {"plain": [], "aehelpers": []}

    def epoch_timer(name):
        import keras

        class _Timer(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.t = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                epoch_s[name].append(time.perf_counter() - self.t)

        return _Timer()

    def run_plain(start):
        t = time.perf_counter()
        h = plain.fit(x_train, x_train, epochs=start + chunk, initial_epoch=start, batch_size=256, shuffle=True,
                      validation_data=(x_test, x_test), verbose=0, callbacks=[epoch_timer("plain")])
        seconds["plain"] += time.perf_counter() - t
        val["plain"] += h.history["val_loss"]

    def run_helper(start):
        t = time.perf_counter()
        h = train(helper, x_train, epochs=chunk, batch_size=256, validation_data=(x_test,), progress=False,
                  callbacks=[epoch_timer("aehelpers")])
        seconds["aehelpers"] += time.perf_counter() - t
        val["aehelpers"] += h["val_loss"]

    for i, start in enumerate(range(0, epochs, chunk)):
        order = (run_plain, run_helper) if i % 2 == 0 else (run_helper, run_plain)
        for fn in order:
            fn(start)
        print(f"  recipes: epoch {start + chunk}/{epochs}  val_bce plain {val['plain'][-1]:.4f}  "
              f"aehelpers {val['aehelpers'][-1]:.4f}", flush=True)
    floor = float(entropy_floor(x_test))
    out["seed_recipe"] = {"val_bce": round(val["plain"][-1], 5), "s_per_epoch": round(seconds["plain"] / epochs, 3),
                          "median_epoch_s": round(statistics.median(epoch_s["plain"]), 3),
                          "excess_bce": round(val["plain"][-1] - floor, 5), "epochs": epochs}
    out["aehelpers_recipe"] = {"val_bce": round(val["aehelpers"][-1], 5),
                               "s_per_epoch": round(seconds["aehelpers"] / epochs, 3),
                               "median_epoch_s": round(statistics.median(epoch_s["aehelpers"]), 3),
                               # per epoch: median epoch inside Keras, aehelpers / plain
                               "epoch_time_ratio": round(statistics.median(epoch_s["aehelpers"])
                                                         / statistics.median(epoch_s["plain"]), 4),
                               # whole fit calls, set-up included (noisier: 5 calls of 10 epochs each)
                               "call_time_ratio": round(seconds["aehelpers"] / seconds["plain"], 4),
                               "calls": epochs // chunk,
                               "excess_bce": round(val["aehelpers"][-1] - floor, 5), "epochs": epochs}


def bench_linear_vs_pca(cfg, data, out):
    from aehelpers import linear
    from aehelpers.linear_training import train_linear_autoencoder

    p = cfg["linear_p"]
    x_train, mean = linear.centre(data.x_train)
    x_test, _ = linear.centre(data.x_test, mean)
    pca = linear.fit_pca(x_train)
    U = pca.components(p)
    ae.seed_everything(cfg["seed"])
    kwargs = {} if cfg["linear_epochs"] is None else {"epochs": cfg["linear_epochs"]}
    A, B, history, seconds = train_linear_autoencoder(x_train, p, seed=cfg["seed"], snapshots=False, **kwargs)
    ae_mse = linear.reconstruction_mse(x_test, A, B)
    pca_mse = linear.reconstruction_mse(x_test, U, U.T)
    cos = linear.principal_cosines(A, U)
    out["linear_vs_pca"] = {"p": p, "mse_ratio": round(ae_mse / pca_mse, 5), "min_cos": round(float(np.min(cos)), 5),
                            "train_s": round(seconds, 2), "ae_test_mse": round(ae_mse, 6),
                            "pca_test_mse": round(pca_mse, 6), "epochs": history["epochs"]}


def bench_sweep(cfg, data, out):
    """The slider sweep of notebook 04 (its recipe, cold cache) against 50 plain epochs per p."""
    from aehelpers import sweep as sweep_mod

    p_values = cfg["p_values"]
    with tempfile.TemporaryDirectory() as cache:  # a cold cache: we time training, not loading
        t = time.perf_counter()
        sweep = sweep_mod.train_sweep(data, p_values, epochs=cfg["sweep_epochs"], seed=cfg["seed"],
                                      root=Path(cache), progress=False, verbose=False)
        train_s = time.perf_counter() - t
    fast = {int(p): float(sweep.val_loss[p]) for p in p_values}
    plain, plain_s = {}, 0.0
    for p in p_values:
        ref = sweep_mod.plain_recipe(data, p, epochs=cfg["epochs"], seed=cfg["seed"])
        plain[p] = ref["val_loss"]
        plain_s += ref["seconds"]
        print(f"  sweep: p={p} plain val_bce {plain[p]:.4f} ({ref['seconds']:.0f} s)  sweep {fast[p]:.4f}",
              flush=True)
    gaps = {p: (fast[p] - plain[p]) / plain[p] for p in p_values}
    out["sweep"] = {"p_values": list(p_values), "train_s": round(train_s, 1), "plain_train_s": round(plain_s, 1),
                    "speedup": round(plain_s / train_s, 2), "max_rel_loss_gap": round(max(gaps.values()), 4),
                    "epochs": sweep.recipe.epochs, "plain_epochs": cfg["epochs"],
                    "val_bce": {str(p): round(fast[p], 5) for p in p_values},
                    "plain_val_bce": {str(p): round(plain[p], 5) for p in p_values}}
    out["_sweep_object"] = sweep


def bench_slider_ms(cfg, data, out):
    from aehelpers import linear
    from aehelpers.pca_widget import pca_slider, prepare_pca_view

    x_train, mean = linear.centre(data.x_train)
    view = prepare_pca_view(linear.fit_pca(x_train), data.x_test, mean)
    widget = pca_slider(view)
    moves = [1 + (37 * i) % 300 for i in range(cfg["moves"])]
    result = {"pca_median": round(_median_ms(widget.update, moves), 2), "moves": len(moves)}
    sweep = out.pop("_sweep_object", None)
    if sweep is not None:
        from aehelpers.bottleneck_widget import bottleneck_slider

        kw = bottleneck_slider(sweep)
        ps = list(sweep.p_values)
        keras_moves = [ps[(3 * i + 1) % len(ps)] for i in range(cfg["moves"])]
        result["keras_median"] = round(_median_ms(kw.update, keras_moves), 2)
    out["slider_ms"] = result


def bench_series_s(cfg, data, out):
    """Wall time to execute every notebook, quick and full, each with a cold model cache."""
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    result = {}
    for mode in cfg["series_modes"]:
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, AEHELPERS_CACHE=f"{tmp}/cache", AEHELPERS_FIGURES=f"{tmp}/figures",
                       MPLBACKEND="Agg", AEHELPERS_QUICK="1" if mode == "quick" else "0")
            if mode == "quick":  # exactly as `make test` and CI run them: offline sample data
                env["AEHELPERS_OFFLINE"] = "1"
                env.pop("AEHELPERS_MNIST", None)
            cmd = [str(ROOT / ".venv/bin/jupyter"), "nbconvert", "--to", "notebook", "--execute",
                   "--output-dir", f"{tmp}/out", "--ExecutePreprocessor.timeout=-1", *map(str, notebooks)]
            t = time.perf_counter()
            subprocess.run(cmd, env=env, check=True, capture_output=True, cwd=ROOT)
            result[mode] = round(time.perf_counter() - t, 1)
            print(f"  series: {mode} mode {result[mode]} s", flush=True)
    out["series_s"] = result


# --------------------------------------------------------------------------------------------
def machine_info(data) -> dict:
    import keras

    from aehelpers.setup import import_tensorflow_quietly

    tf = import_tensorflow_quietly()
    return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
            "python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__, "data_source": data.source, "full_mnist": data.is_full,
            "n_train": len(data.x_train), "n_test": len(data.x_test)}


def config(smoke: bool) -> dict:
    if smoke:
        return {"seed": 0, "epochs": 2, "chunk": 1, "linear_p": 8, "linear_epochs": 2, "p_values": [2, 8],
                "sweep_epochs": 2, "moves": 20, "series_modes": [], "n_train": 1000, "n_test": 300}
    return {"seed": 0, "epochs": 50, "chunk": 10, "linear_p": 32, "linear_epochs": None,
            "p_values": [2, 4, 8, 16, 32, 64, 128], "sweep_epochs": None, "moves": 40,
            "series_modes": ["quick", "full"], "n_train": None, "n_test": None}


COMMANDS = {
    "entropy_floor": "make bench (section entropy_floor)",
    "recipes": "make bench (section recipes: seed code vs aehelpers, interleaved)",
    "linear_vs_pca": "make bench (section linear_vs_pca)",
    "sweep": "make bench (section sweep)",
    "slider_ms": "make bench (section slider_ms)",
    "series_s": "make bench (section series_s)",
}


def write_markdown(results: dict, path: Path) -> None:
    m = results["machine"]
    lines = ["# Benchmark results", "",
             f"Measured {m['date']} on {m['machine']}; Python {m['python']}, TensorFlow {m['tensorflow']}, "
             f"Keras {m['keras']}, NumPy {m['numpy']}.",
             f"Data: {m['data_source']} ({m['n_train']:,} train / {m['n_test']:,} test)"
             + ("" if m["full_mnist"] else " — **not full MNIST: the offline sample was used**") + ".",
             "", "Reproduce: `AEHELPERS_MNIST=/path/to/mnist.npz make bench` "
             "(or `.venv/bin/python bench/run.py --only SECTION` for one section).", "",
             "| figure | value | section measured at |", "|---|---|---|"]

    def walk(prefix, value):
        if isinstance(value, dict) and not prefix.endswith("val_bce"):
            for k, v in value.items():
                yield from walk(f"{prefix}.{k}" if prefix else k, v)
        else:
            yield prefix, value

    stamps = results.get("measured_at", {})
    for section in SECTIONS:
        keys = [k for k in results if k.split(".")[0] in _SECTION_KEYS[section]]
        for key in keys:
            for name, value in walk(key, results[key]):
                lines.append(f"| `{name}` | {json.dumps(value) if isinstance(value, (dict, list)) else value} "
                             f"| {stamps.get(section, '—')} |")
    write_text(path, "\n".join(lines) + "\n")


_SECTION_KEYS = {"entropy_floor": {"entropy_floor"}, "recipes": {"seed_recipe", "aehelpers_recipe"},
                 "linear_vs_pca": {"linear_vs_pca"}, "sweep": {"sweep"}, "slider_ms": {"slider_ms"},
                 "series_s": {"series_s"}, "notebook06": {"conv", "vae"}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny data, seconds; asserts nothing about speed")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {SECTIONS}")
    parser.add_argument("--out", default=str(ROOT / "bench"), help="folder for results.json and RESULTS.md")
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown sections {unknown}; choose from {SECTIONS}")
    cfg = config(args.smoke)
    ae.setup_notebook(seed=cfg["seed"])
    data = ae.load_mnist(n_train=cfg["n_train"], n_test=cfg["n_test"])
    if not data.is_full and not args.smoke:
        print("bench: full MNIST not available — figures below are for the offline sample "
              "(set AEHELPERS_MNIST to a Keras-layout mnist.npz)")
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    results_path = out_dir / "results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() and len(only) < len(SECTIONS) else {}
    results["machine"] = machine_info(data)
    results["smoke"] = args.smoke
    stamps = results.setdefault("measured_at", {})
    fresh: dict = {}
    for section in SECTIONS:
        if section not in only:
            continue
        print(f"bench: {section} ...", flush=True)
        t = time.perf_counter()
        globals()[f"bench_{section}"](cfg, data, fresh)
        stamps[section] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        print(f"bench: {section} done in {time.perf_counter() - t:.0f} s", flush=True)
    fresh.pop("_sweep_object", None)
    results.update(fresh)
    write_text(results_path, json.dumps(results, indent=2, sort_keys=True) + "\n")
    write_markdown(results, out_dir / "RESULTS.md")
    print(json.dumps(fresh, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
