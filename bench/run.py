"""`make bench`: the series' speed and quality, measured side by side in one run.

Writes ``bench/results.json`` and ``bench/RESULTS.md``.  Every number is measured by this run;
ratios are taken inside it (the two recipes are interleaved chunk by chunk so that machine
load hits both alike).  ``--smoke`` runs every section on small data in seconds (CI does, so
the bench never rots) and asserts nothing about speed.

    .venv/bin/python bench/run.py                      # full bench (over an hour on 2 cores)
    .venv/bin/python bench/run.py --only recipes,linear_vs_pca   # some sections, merged into results.json
    .venv/bin/python bench/run.py --only recipes     # the blog model: seed code, series, NumPy limit
    .venv/bin/python bench/run.py --only site_full   # `make site`'s build, cold and warm model cache
    .venv/bin/python bench/run.py --only memory      # how fast this machine hands out fresh memory
    .venv/bin/python bench/run.py --smoke --out build/bench-smoke

Each section is one function ``bench_NAME(cfg, data) -> {figure: value}`` registered in
``SECTIONS`` (one line each) and runs alone: nothing passes from one section to another.
Section ``series_s`` leaves what its full runs printed in ``build/bench-executed/`` (read it with
``.venv/bin/python -m bench.prose_numbers build/bench-executed/*.ipynb``) and what they drew in
``build/bench-figures/``.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"  # build/bench-executed/, build/bench-figures/ (section series_s)
sys.path.insert(0, str(ROOT))

import aehelpers as ae  # noqa: E402
from aehelpers.files import write_text  # noqa: E402
from bench import notebook06  # noqa: E402  (section "notebook06")

def _median_ms(fn, values) -> float:
    times = []
    for v in values:
        t = time.perf_counter()
        fn(v)
        times.append((time.perf_counter() - t) * 1000)
    return float(statistics.median(times))


# --------------------------------------------------------------------------------------------
def bench_entropy_floor(cfg, data):
    from aehelpers.theory.framework import entropy_floor

    return {"entropy_floor": round(float(entropy_floor(data.x_test)), 6)}


def _seed_recipe_model(p: int = 32):
    """The blog's code, as written there (Keras 3 spelling): no aehelpers involved.  ``p`` = 32 is the blog's."""
    import keras
    from keras import layers

    input_img = keras.Input(shape=(784,))
    encoded = layers.Dense(p, activation="relu")(input_img)
    decoded = layers.Dense(784, activation="sigmoid")(encoded)
    autoencoder = keras.Model(input_img, decoded)
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    return autoencoder


def _epoch_timer(times: list):
    """A Keras callback appending each epoch's seconds (training and validation, as ``fit`` runs them)."""
    import keras

    class _Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t)

    return _Timer()


def bench_recipes(cfg, data):
    """The blog's 784-32-784 model five ways, interleaved chunk by chunk (load hits all alike).

    ``seed_recipe``: the seed's code exactly as written (``compile(optimizer="adam",
    loss="binary_crossentropy")``: one step per call, ``jit_compile="auto"``), the peer;
    ``aehelpers_recipe``: the series' compile (``build_autoencoder``: 16 steps per call, XLA);
    ``steps16_recipe``: the same without XLA (16 steps per call, ``jit_compile=False``), so XLA's own
    share and its one-off compile (first epoch's extra over this row's) are measured side by side;
    ``limit``: the same arithmetic in a plain float32 NumPy loop (``bench/limit.py``), the same again in
    TensorFlow with each call's 16 steps compiled by XLA as one program (``xla_loop``: Keras' per-step
    machinery left out), and the five GEMMs of an epoch alone.  All start from the same weights; every path is silent (no progress bar).
    NumPy's BLAS runs with 1 thread or all cores, whichever a probe (a tenth of an epoch of GEMMs each)
    just found faster: on a loaded machine multi-threaded BLAS on these small matrices was 20× slower.
    """
    import keras
    from threadpoolctl import threadpool_limits

    from aehelpers.theory.framework import entropy_floor
    from aehelpers.nets.models import build_autoencoder
    from aehelpers.nets.training import JIT_COMPILE, STEPS_PER_EXECUTION, train
    from bench.limit import NumpyAutoencoder, XlaLoopAutoencoder, framework_gemm_epoch, gemm_epoch

    x_train, x_test = data.x_train, data.x_test
    epochs, chunk = cfg["epochs"], cfg["chunk"]
    ae.seed_everything(cfg["seed"])
    plain = _seed_recipe_model()
    ae.seed_everything(cfg["seed"])
    helper = build_autoencoder(32).model
    ae.seed_everything(cfg["seed"])
    no_xla = build_autoencoder(32).model  # the same start, recompiled without XLA
    no_xla.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy",
                   steps_per_execution=STEPS_PER_EXECUTION, jit_compile=False)
    numpy_net = NumpyAutoencoder(plain.get_weights())
    xla_loop_net = XlaLoopAutoencoder(plain.get_weights(), steps_per_call=STEPS_PER_EXECUTION)
    rng, loop_rng = np.random.default_rng(cfg["seed"]), np.random.default_rng(cfg["seed"])
    names = ("plain", "aehelpers", "steps16", "numpy", "xla_loop", "gemm")
    framework_gemm = {"xla": [], "tf": []}  # the same five GEMMs through TensorFlow, 16 batches per call
    seconds = dict.fromkeys(names, 0.0)  # whole calls: everything each path does
    epoch_s = {name: [] for name in names}  # per epoch (Keras: inside its epochs, timed by a callback)
    val = {name: [] for name in names[:5]}
    threads = {1: [], os.cpu_count() or 1: []}  # GEMM epoch by BLAS threads
    blas = {"threads": 1}

    def run_plain(start):
        t = time.perf_counter()
        h = plain.fit(x_train, x_train, epochs=start + chunk, initial_epoch=start, batch_size=256, shuffle=True,
                      validation_data=(x_test, x_test), verbose=0, callbacks=[_epoch_timer(epoch_s["plain"])])
        seconds["plain"] += time.perf_counter() - t
        val["plain"] += h.history["val_loss"]

    def series_runner(model, name):  # the series' training loop (ae.train), for its compile with and without XLA
        def run(start):
            t = time.perf_counter()
            h = train(model, x_train, epochs=chunk, batch_size=256, validation_data=(x_test,), progress=False,
                      callbacks=[_epoch_timer(epoch_s[name])])
            seconds[name] += time.perf_counter() - t
            val[name] += h["val_loss"]
        return run

    run_helper, run_steps16 = series_runner(helper, "aehelpers"), series_runner(no_xla, "steps16")

    def run_gemm(start):
        t = time.perf_counter()
        for _ in range(chunk):
            by_threads = {}  # a tenth of an epoch per thread count (a loaded machine makes 2 threads 20× slower)
            for k in threads:
                with threadpool_limits(limits=k, user_api="blas"):
                    by_threads[k] = 10 * gemm_epoch(-(-len(x_train) // 10))
                threads[k].append(by_threads[k])
            blas["threads"] = min(by_threads, key=by_threads.get)  # for this floor and the NumPy loop's next chunk
            with threadpool_limits(limits=blas["threads"], user_api="blas"):
                epoch_s["gemm"].append(gemm_epoch(len(x_train)))
            for key in framework_gemm:
                framework_gemm[key].append(framework_gemm_epoch(len(x_train), jit_compile=key == "xla"))
        seconds["gemm"] += time.perf_counter() - t

    def run_numpy(start):
        t = time.perf_counter()
        with threadpool_limits(limits=blas["threads"], user_api="blas"):
            for _ in range(chunk):
                r = numpy_net.fit_epoch(x_train, rng, batch_size=256, x_val=x_test)
                epoch_s["numpy"].append(r["seconds"])
                val["numpy"].append(r["val_loss"])
        seconds["numpy"] += time.perf_counter() - t

    def run_xla_loop(start):
        t = time.perf_counter()
        for _ in range(chunk):
            r = xla_loop_net.fit_epoch(x_train, loop_rng, batch_size=256, x_val=x_test)
            epoch_s["xla_loop"].append(r["seconds"])
            val["xla_loop"].append(r["val_loss"])
        seconds["xla_loop"] += time.perf_counter() - t

    runners = (run_gemm, run_plain, run_helper, run_steps16, run_numpy, run_xla_loop)  # gemm first: BLAS threads
    for i, start in enumerate(range(0, epochs, chunk)):
        k = i % 5
        for fn in (runners[0], *runners[1 + k:], *runners[1:1 + k]):
            fn(start)
        print(f"  recipes: epoch {start + chunk}/{epochs}  val_bce seed code {val['plain'][-1]:.4f}  "
              f"aehelpers {val['aehelpers'][-1]:.4f}  no XLA {val['steps16'][-1]:.4f}  numpy {val['numpy'][-1]:.4f}  "
              f"XLA loop {val['xla_loop'][-1]:.4f}  (BLAS threads "
              f"{blas['threads']}); median epoch s: " +
              "  ".join(f"{n} {statistics.median(epoch_s[n][-chunk:]):.3f}" for n in names), flush=True)
    floor = float(entropy_floor(x_test))
    med = {name: statistics.median(times) for name, times in epoch_s.items()}
    out = {}
    out["seed_recipe"] = {"val_bce": round(val["plain"][-1], 5), "s_per_epoch": round(seconds["plain"] / epochs, 3),
                          "median_epoch_s": round(med["plain"], 3), "steps_per_execution": 1,
                          "jit_compile": "auto", "excess_bce": round(val["plain"][-1] - floor, 5), "epochs": epochs}
    out["aehelpers_recipe"] = {"val_bce": round(val["aehelpers"][-1], 5),
                               "s_per_epoch": round(seconds["aehelpers"] / epochs, 3),
                               "median_epoch_s": round(med["aehelpers"], 3),
                               "steps_per_execution": STEPS_PER_EXECUTION, "jit_compile_asked": JIT_COMPILE,
                               # what Keras did: it turns XLA off under op determinism (setup_notebook)
                               "jit_compile": bool(helper.jit_compile),
                               # per epoch: median epoch inside Keras, aehelpers / the seed's code
                               "epoch_time_ratio": round(med["aehelpers"] / med["plain"], 4),
                               # per epoch: aehelpers / the same arithmetic in a plain NumPy loop
                               "numpy_time_ratio": round(med["aehelpers"] / med["numpy"], 4),
                               # per epoch: aehelpers / the same training with the loop compiled too (no Keras)
                               "xla_loop_time_ratio": round(med["aehelpers"] / med["xla_loop"], 4),
                               "val_bce_minus_seed": round(val["aehelpers"][-1] - val["plain"][-1], 5),
                               "val_bce_minus_numpy": round(val["aehelpers"][-1] - val["numpy"][-1], 5),
                               # whole fit calls, set-up and XLA compiling included (noisier: few calls)
                               "call_time_ratio": round(seconds["aehelpers"] / seconds["plain"], 4),
                               "calls": -(-epochs // chunk),
                               "excess_bce": round(val["aehelpers"][-1] - floor, 5), "epochs": epochs}
    compile_s = (epoch_s["aehelpers"][0] - med["aehelpers"]) - (epoch_s["steps16"][0] - med["steps16"])
    out["steps16_recipe"] = {"val_bce": round(val["steps16"][-1], 5), "median_epoch_s": round(med["steps16"], 3),
                             "first_epoch_s": round(epoch_s["steps16"][0], 3),
                             "steps_per_execution": STEPS_PER_EXECUTION, "jit_compile": bool(no_xla.jit_compile),
                             "epoch_time_ratio": round(med["steps16"] / med["plain"], 4), "epochs": epochs}
    out["aehelpers_recipe"].update(
        first_epoch_s=round(epoch_s["aehelpers"][0], 3),
        # XLA alone, on top of 16 steps per call: per epoch, and its one-off compile (first-epoch extra over
        # the no-XLA row's) against what it saves over the run's epochs
        xla_time_ratio=round(med["aehelpers"] / med["steps16"], 4), xla_compile_s=round(compile_s, 2),
        xla_saved_s=round(epochs * (med["steps16"] - med["aehelpers"]), 1))
    out["limit"] = {"numpy_epoch_s": round(med["numpy"], 3), "numpy_val_bce": round(val["numpy"][-1], 5),
                    "gemm_epoch_s": round(med["gemm"], 3),
                    # the same training in TensorFlow, each call's 16 steps one XLA program (no Keras)
                    "xla_loop_epoch_s": round(med["xla_loop"], 3), "xla_loop_val_bce": round(val["xla_loop"][-1], 5),
                    "xla_loop_first_epoch_s": round(epoch_s["xla_loop"][0], 3),
                    "gemm_epoch_s_by_blas_threads": {str(k): round(statistics.median(v), 3) for k, v in threads.items()},
                    # the same GEMMs through TensorFlow, 16 batches per call: XLA's and TF's own kernels
                    "xla_gemm_epoch_s": round(statistics.median(framework_gemm["xla"]), 3),
                    "tf_gemm_epoch_s": round(statistics.median(framework_gemm["tf"]), 3),
                    "seed_code_numpy_ratio": round(med["plain"] / med["numpy"], 3), "epochs": epochs}
    return out


def bench_linear_vs_pca(cfg, data):
    from aehelpers.theory import linear
    from aehelpers.theory import pca as pca_lib
    from aehelpers.nets.training import train_linear_autoencoder

    p = cfg["linear_p"]
    x_train, mean = pca_lib.centre(data.x_train)
    x_test, _ = pca_lib.centre(data.x_test, mean)
    pca = pca_lib.fit_pca(x_train)
    U = pca.components(p)
    ae.seed_everything(cfg["seed"])
    kwargs = {} if cfg["linear_epochs"] is None else {"epochs": cfg["linear_epochs"]}
    A, B, history, seconds = train_linear_autoencoder(x_train, p, seed=cfg["seed"], snapshots=False, **kwargs)
    ae_mse = linear.reconstruction_mse(x_test, A, B)
    pca_mse = linear.reconstruction_mse(x_test, U, U.T)
    cos = linear.principal_cosines(A, U)
    return {"linear_vs_pca": {"p": p, "mse_ratio": round(ae_mse / pca_mse, 5), "min_cos": round(float(np.min(cos)), 5),
                            "train_s": round(seconds, 2), "ae_test_mse": round(ae_mse, 6),
                            "pca_test_mse": round(pca_mse, 6), "epochs": history["epochs"]}}


def plain_recipe(data, p: int, *, epochs: int, seed: int) -> dict:
    """One 784 → p → 784 model trained by the seed's code as written (the peer), scored.

    ``compile(optimizer="adam", loss="binary_crossentropy")`` (one step per call, no XLA asked
    for), ``fit(..., epochs, batch_size=256, shuffle=True, validation_data=(x_test, x_test))``,
    silent; its score is the last epoch's validation loss.  The reference the fast sweep is
    compared with; a measurement, so never cached.
    """
    ae.seed_everything(seed)
    model = _seed_recipe_model(p)
    t = time.perf_counter()
    history = model.fit(data.x_train, data.x_train, epochs=epochs, batch_size=256, shuffle=True,
                        validation_data=(data.x_test, data.x_test), verbose=0)
    return {"val_loss": float(history.history["val_loss"][-1]), "seconds": time.perf_counter() - t}


def bench_sweep(cfg, data):
    """The slider sweep of notebook 04 (its recipe, cold cache) against 50 epochs of the seed's code per p.

    The sweep runs as the notebook runs it: one ``train_sweep`` call over every p (its plan, then
    the models trained in worker processes side by side, ``nets.workers``); ``train_s`` is its
    wall time (planning, training, saving, loading, evaluating).  The plain models (``plain_recipe``:
    the seed's code, the peer) follow one p at a time; ``plain_train_s`` is their fits alone.  ``fit_s`` holds each sweep model's own fit time.
    """
    from aehelpers.nets import sweep as sweep_mod
    from aehelpers.nets.workers import default_workers

    p_values = cfg["p_values"]
    plain, plain_s = {}, 0.0
    with tempfile.TemporaryDirectory() as cache:  # a cold cache: we time training, not loading
        t = time.perf_counter()
        sweep = sweep_mod.train_sweep(data, p_values, epochs=cfg["sweep_epochs"], seed=cfg["seed"],
                                      root=Path(cache), progress=False, verbose=False)
        train_s = time.perf_counter() - t
    workers = default_workers(len(p_values), len(data.x_train))
    fast, recipes = {p: float(sweep.val_loss[p]) for p in p_values}, sweep.recipes
    print(f"  sweep: {len(p_values)} models in {train_s:.0f} s ({workers} processes)", flush=True)
    for p in p_values:
        ref = plain_recipe(data, p, epochs=cfg["epochs"], seed=cfg["seed"])
        plain[p] = ref["val_loss"]
        plain_s += ref["seconds"]
        print(f"  sweep: p={p} sweep {fast[p]:.4f} ({sweep.fit_seconds[p]:.0f} s)  "
              f"plain {plain[p]:.4f} ({ref['seconds']:.0f} s)", flush=True)
    gaps = {p: (fast[p] - plain[p]) / plain[p] for p in p_values}
    return {"sweep": {"reference": "the seed's code", "p_values": list(p_values), "train_s": round(train_s, 1), "plain_train_s": round(plain_s, 1),
                      "time_ratio": round(train_s / plain_s, 3), "speedup": round(plain_s / train_s, 2),
                      "max_rel_loss_gap": round(max(gaps.values()), 4), "workers": workers,
                      "fit_s": {str(p): round(float(sweep.fit_seconds[p]), 1) for p in p_values},
                      "epochs": {str(p): r.epochs for p, r in recipes.items()},
                      "batch_size": {str(p): r.batch_size for p, r in recipes.items()},
                      "learning_rate": {str(p): r.learning_rate for p, r in recipes.items()}, "plain_epochs": cfg["epochs"],
                      "val_bce": {str(p): round(fast[p], 5) for p in p_values},
                      "plain_val_bce": {str(p): round(plain[p], 5) for p in p_values}}}


def bench_slider_ms(cfg, data):
    """Median milliseconds per move of notebook 02's and notebook 04's sliders, driven as a user would.

    The Keras slider needs a sweep: a short one is trained here into a temp cache (a move runs no
    model, so its latency does not depend on how well the models were trained).
    """
    from aehelpers.theory import linear
    from aehelpers.theory import pca as pca_lib
    from aehelpers.nets import sweep as sweep_mod
    from aehelpers.views.sliders import bottleneck_slider
    from aehelpers.views.sliders import pca_slider, prepare_pca_view

    x_train, mean = pca_lib.centre(data.x_train)
    view = prepare_pca_view(pca_lib.fit_pca(x_train, cache=False), data.x_test, mean)
    widget = pca_slider(view)
    stops = widget.stops["p"]
    moves = [stops[(7 * i + 1) % len(stops)] for i in range(cfg["moves"])]
    result = {"pca_median": round(_median_ms(lambda p: widget.update(p=p), moves), 2), "moves": len(moves)}
    with tempfile.TemporaryDirectory() as cache:
        sweep = sweep_mod.train_sweep(data, cfg["p_values"], epochs=cfg["slider_sweep_epochs"], seed=cfg["seed"],
                                      root=Path(cache), progress=False, verbose=False)
    keras_widget = bottleneck_slider(sweep)
    ps = list(sweep.p_values)
    keras_moves = [ps[(3 * i + 1) % len(ps)] for i in range(cfg["moves"])]
    result["keras_median"] = round(_median_ms(lambda p: keras_widget.update(p=p), keras_moves), 2)
    return {"slider_ms": result}


def _execute(notebooks, env: dict, out_dir: str) -> float:
    """Seconds to execute ``notebooks`` with nbconvert (this Python's Jupyter) in ``env``."""
    cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--output-dir", out_dir,
           "--ExecutePreprocessor.timeout=-1", *map(str, notebooks)]
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - t


def bench_series_s(cfg, data):
    """Wall time to execute the notebooks: the whole series in quick mode (cold cache), and each
    notebook in full mode on a cold model cache, then again on the cache it filled (warm), with
    the time from Run All to the first working slider (``slider_first_s``, cold) where there is one.

    The cold full runs leave their executed copies in ``build/bench-executed/`` and their figures in
    ``build/bench-figures/`` (emptied first: a maintainer refreshes the committed ``figures/`` from it);
    ``prose_mismatches`` lists the numbers their prose quotes that their outputs do not show
    (``bench/prose_numbers.py``, issue #27)."""
    import nbformat

    from bench import prose_numbers
    from bench.cells import run_notebook

    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    result = {}
    if cfg["series_quick"]:
        with tempfile.TemporaryDirectory() as tmp:  # exactly as `make test` and CI run them: offline sample data
            env = dict(os.environ, AEHELPERS_CACHE=f"{tmp}/cache", AEHELPERS_FIGURES=f"{tmp}/figures",
                       MPLBACKEND="Agg", AEHELPERS_QUICK="1", AEHELPERS_OFFLINE="1")
            env.pop("AEHELPERS_MNIST", None)
            result["quick"] = round(_execute(notebooks, env, f"{tmp}/out"), 1)
            print(f"  series: quick mode {result['quick']} s", flush=True)
    per_notebook, slider_first, mismatches = {}, {}, []
    full = notebooks[:cfg["series_full_notebooks"]]
    figures = BUILD / "bench-figures"
    if full:
        shutil.rmtree(figures, ignore_errors=True)  # this run's figures only
    for path in full:
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, AEHELPERS_CACHE=f"{tmp}/cache", AEHELPERS_FIGURES=f"{tmp}/figures",
                       MPLBACKEND="Agg", AEHELPERS_QUICK="0")
            cold = run_notebook(path, env)
            if Path(f"{tmp}/figures").is_dir():  # what the cold run saved, before the warm run rewrites it
                shutil.copytree(f"{tmp}/figures", figures, dirs_exist_ok=True)
            warm = run_notebook(path, env)
            if path.name.startswith("06_"):  # section notebook06 reads the models of this run, not a run of its own
                cfg["nb06_models"] = notebook06.read_models(f"{tmp}/cache")
        executed = BUILD / "bench-executed" / path.name  # what the cold run printed, for reading
        executed.parent.mkdir(parents=True, exist_ok=True)
        write_text(executed, nbformat.writes(cold["notebook"]))
        mismatches += prose_numbers.check(cold["notebook"], path.stem)
        name = path.stem.split("_")[0]  # "04", "04a": an appendix keeps its own row
        per_notebook[name] = {"cold": cold["seconds"], "warm": warm["seconds"]}
        if cold["slider_first_s"] is not None:
            slider_first[name] = cold["slider_first_s"]
        slowest = ", ".join(f"cell {i} {s:.0f} s" for i, s, _ in sorted(cold["cells"], key=lambda c: -c[1])[:3])
        print(f"  series: {path.name} full mode, cold {cold['seconds']:.0f} s (slowest: {slowest}), "
              f"warm {warm['seconds']:.0f} s, first slider {cold['slider_first_s']} s", flush=True)
    if per_notebook:
        result["per_notebook"] = per_notebook
        result["slider_first_s"] = slider_first
        result["full"] = round(sum(t["cold"] for t in per_notebook.values()), 1)  # the series on a cold cache
        result["prose_mismatches"] = {"count": len(mismatches), "list": [m.short() for m in mismatches]}
        print(f"  series: {len(mismatches)} number(s) in prose not shown by the outputs of the full runs"
              + "".join(f"\n    {m}" for m in mismatches), flush=True)
        print(f"  series: figures of the cold full runs in {figures}", flush=True)
    return {"series_s": result}


def bench_site_full(cfg, data):
    """``series_s.site_full``: wall time of what ``make site`` runs (``tools/build_site.py``: execute every
    notebook with static sliders, convert to pages), on a cold model cache and then on the cache it filled.

    Everything goes to a temp folder (cache, executed copies, pages), never ``build/site``; the warm
    build executes every notebook again (``--no-reuse``), only the model cache is warm.  Full mode; the
    smoke run builds ``cfg["site_notebooks"]`` (one notebook) in quick mode, to keep the code path alive.
    """
    names = cfg["site_notebooks"]
    quick = cfg["smoke"]
    with tempfile.TemporaryDirectory() as tmp:
        source = ROOT / "notebooks"
        if names is not None:
            source = Path(tmp) / "notebooks"
            source.mkdir()
            for name in names:
                shutil.copy(ROOT / "notebooks" / name, source / name)
        env = dict(os.environ, AEHELPERS_CACHE=f"{tmp}/cache", AEHELPERS_QUICK="1" if quick else "0")
        env.pop("AEHELPERS_FIGURES", None)  # build_site puts them beside its executed copies
        if quick:  # as CI builds the quick site: the offline sample
            env["AEHELPERS_OFFLINE"] = "1"
            env.pop("AEHELPERS_MNIST", None)
        cmd = [sys.executable, str(ROOT / "tools" / "build_site.py"), "--notebooks", str(source),
               "--executed", f"{tmp}/executed", "--out", f"{tmp}/site", "--no-reuse"]
        seconds = {}
        for cache in ("cold", "warm"):
            t = time.perf_counter()
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
            seconds[cache] = round(time.perf_counter() - t, 1)
            if done.returncode != 0:
                raise RuntimeError(f"site build ({cache} cache) failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
            print(f"  site_full: {cache} cache {seconds[cache]} s", flush=True)
        count = len(list(source.glob("*.ipynb")))
    return {"series_s": {"site_full": {**seconds, "notebooks": count, "mode": "quick" if quick else "full"}}}


_TOUCH = """
import sys, time
import numpy as np
n = int(sys.argv[1])
t = time.perf_counter(); a = np.ones(n); fresh = time.perf_counter() - t
del a
t = time.perf_counter(); a = np.ones(n); reused = time.perf_counter() - t
print(fresh, reused)
"""


def bench_memory(cfg, data):
    """``memory``: how fast this machine hands a process fresh memory (first write of each page) and memory the
    process has just freed, in MB/s, median of three fresh processes.  On the virtual machine this project is
    measured on, memory the host has taken back costs about 6 s per GB to touch again, and the host takes freed
    memory back within about 20 s (hence the pause before each run): much of a notebook's warm run (imports, the data, its arrays) is this, not
    arithmetic, and a laptop does it 20–50× faster."""
    mb = cfg["memory_mb"]
    n = mb * 2**20 // 8
    runs = []
    for _ in range(3):  # a pause first: memory another process (or the last run) just freed is still fast to touch
        time.sleep(cfg["memory_pause_s"])
        runs.append(tuple(map(float, subprocess.run([sys.executable, "-c", _TOUCH, str(n)], check=True,
                                                     capture_output=True, text=True).stdout.split())))
    fresh, reused = (statistics.median(r[i] for r in runs) for i in (0, 1))
    print(f"  memory: {mb} MB fresh in {fresh:.2f} s ({mb / fresh:.0f} MB/s), just freed in {reused:.3f} s", flush=True)
    return {"memory": {"fresh_mb_per_s": round(mb / fresh), "reused_mb_per_s": round(mb / reused), "mb": mb}}


# One line per section, in the order they run: name -> function(cfg, data) -> {figure: value}.
SECTIONS = {
    "memory": bench_memory,
    "entropy_floor": bench_entropy_floor,
    "recipes": bench_recipes,
    "linear_vs_pca": bench_linear_vs_pca,
    "sweep": bench_sweep,
    "slider_ms": bench_slider_ms,
    "series_s": bench_series_s,
    "notebook06": lambda cfg, data: notebook06.bench_notebook06(cfg, data, {}),
    "vae_seeds": notebook06.bench_vae_seeds,
    "site_full": bench_site_full,
}


def figure_paths(figures: dict) -> list[str]:
    """The dotted paths a section fills: each top-level key, followed down while a dict holds one key
    (``{"series_s": {"site_full": {...}}}`` -> ``series_s.site_full``), so that a section writing into
    another's figure (``site_full``, notebook06's ``slider_ms.latent_median``) owns only its part of it."""
    out = []
    for path, value in figures.items():
        while isinstance(value, dict) and len(value) == 1:
            (key, value), = value.items()
            path = f"{path}.{key}"
        out.append(path)
    return sorted(out)


def merge_into(old: dict, new: dict) -> dict:
    """Update ``old`` with ``new`` key by key, recursing into dicts: a section adds its figures
    (e.g. ``slider_ms.latent_median``) without wiping what other sections wrote there."""
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(old.get(key), dict):
            merge_into(old[key], value)
        else:
            old[key] = value
    return old


# --------------------------------------------------------------------------------------------
def machine_info(data) -> dict:
    import keras

    from aehelpers.runtime import import_tensorflow_quietly

    tf = import_tensorflow_quietly()
    return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
            "python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__, "data_source": source_kind(data.source), "full_mnist": data.is_full,
            "n_train": len(data.x_train), "n_test": len(data.x_test)}


def source_kind(source: str) -> str:
    """Where the data came from, without this machine's paths (``AEHELPERS_MNIST=/x/y`` -> ``AEHELPERS_MNIST file``)."""
    for prefix, kind in (("AEHELPERS_MNIST=", "AEHELPERS_MNIST file"), ("Keras cache", "Keras cache"),
                         ("file ", "a file given as path=")):
        if source.startswith(prefix):
            return kind
    return source


def config(smoke: bool) -> dict:
    if smoke:
        return {"smoke": True, "seed": 0, "epochs": 2, "chunk": 1, "linear_p": 8, "linear_epochs": 2, "p_values": [2, 8],
                "sweep_epochs": 2, "slider_sweep_epochs": 2, "moves": 20, "series_quick": False, "memory_mb": 50,
                "memory_pause_s": 0,
                "series_full_notebooks": 0, "site_notebooks": ["01a_definition_in_full.ipynb"], "n_train": 1000,
                "n_test": 300}
    return {"smoke": False, "seed": 0, "epochs": 50, "chunk": 10, "linear_p": 32, "linear_epochs": None,
            "p_values": [2, 4, 8, 16, 32, 64, 128], "sweep_epochs": None, "slider_sweep_epochs": 2, "moves": 40,
            "memory_mb": 400, "memory_pause_s": 30,
            "series_quick": True, "series_full_notebooks": None, "site_notebooks": None, "n_train": None,
            "n_test": None}


def targets(results: dict) -> list[str]:
    """The speed targets of issue #26 that this results file can judge, each with its figures and met / NOT met."""
    out = []

    def judge(ok):
        return "met" if ok else "**NOT met**"

    rec, lim, sweep = results.get("aehelpers_recipe", {}), results.get("limit", {}), results.get("sweep", {})
    if "epoch_time_ratio" in rec and "numpy_time_ratio" in rec and "numpy_val_bce" in lim:
        same = max(abs(rec["val_bce_minus_seed"]), abs(rec["val_bce_minus_numpy"])) <= 0.0005
        out.append(f"blog-model epoch ≤ 0.45 × the seed code's: {rec['epoch_time_ratio']} — "
                   f"{judge(rec['epoch_time_ratio'] <= 0.45)}")
        out.append(f"blog-model epoch ≤ 1.5 × the NumPy loop's: {rec['numpy_time_ratio']} — "
                   f"{judge(rec['numpy_time_ratio'] <= 1.5)}")
        if "xla_gemm_epoch_s" in lim:  # how much of that gap is the framework's matrix products
            out.append(f"  the five GEMMs of an epoch alone: NumPy {lim['gemm_epoch_s']} s, through XLA "
                       f"{lim['xla_gemm_epoch_s']} s, through TensorFlow without XLA {lim['tf_gemm_epoch_s']} s")
        if "xla_loop_epoch_s" in lim:  # the same training with each call's loop compiled too: Keras' per-step share
            out.append(f"  the same training in TensorFlow with each call's 16 steps one XLA program (no Keras): "
                       f"{lim['xla_loop_epoch_s']} s per epoch, loss {lim['xla_loop_val_bce']}; the series' epoch is "
                       f"{rec['xla_loop_time_ratio']}× it")
        if "xla_time_ratio" in rec:  # XLA's own share, against the same compile without it
            out.append(f"  XLA alone (16 steps per call, with ÷ without): {rec['xla_time_ratio']} per epoch; its one-off "
                       f"compile {rec['xla_compile_s']} s against {rec['xla_saved_s']} s saved over {rec['epochs']} epochs")
        out.append(f"same loss (± 0.0005): series − seed code {rec['val_bce_minus_seed'] + 0.0:+.5f}, series − NumPy "
                   f"{rec['val_bce_minus_numpy'] + 0.0:+.5f} — {judge(same)}")  # + 0.0: no "-0.00000"
    if sweep.get("reference") == "the seed's code":
        out.append(f"sweep ≤ 0.20 × 50 epochs of the seed code per p: {sweep['time_ratio']} — "
                   f"{judge(sweep['time_ratio'] <= 0.20)}; loss gap ≤ 2 % at every p: {sweep['max_rel_loss_gap']} — "
                   f"{judge(sweep['max_rel_loss_gap'] <= 0.02)}")
    per_notebook = results.get("series_s", {}).get("per_notebook", {})
    if per_notebook:
        cold = {k: v["cold"] for k, v in per_notebook.items() if v["cold"] > (200 if k == "06" else 120)}
        warm = {k: v["warm"] for k, v in per_notebook.items() if v["warm"] > 20}
        out.append(f"full-mode cold run ≤ 120 s (06: ≤ 200 s): over it {cold or 'none'} — {judge(not cold)}")
        out.append(f"full-mode warm run ≤ 20 s: over it {warm or 'none'} — {judge(not warm)}")
        first = results["series_s"].get("slider_first_s", {}).get("04")
        if first is not None:
            out.append(f"first slider of 04 ≤ 60 s cold: {first} — {judge(first <= 60)}")
    return ["Targets of issue #26 (ratios inside one run):"] + out if out else []


def write_markdown(results: dict, path: Path) -> None:
    m = results["machine"]
    lines = ["# Benchmark results", "",
             f"Measured {m['date']} on {m['machine']}; Python {m['python']}, TensorFlow {m['tensorflow']}, "
             f"Keras {m['keras']}, NumPy {m['numpy']}.",
             f"Data: {m['data_source']} ({m['n_train']:,} train / {m['n_test']:,} test)"
             + ("" if m["full_mnist"] else " — **not full MNIST: the offline sample was used**") + ".",
             "", "Reproduce: `AEHELPERS_MNIST=/path/to/mnist.npz make bench` "
             "(or `.venv/bin/python bench/run.py --only SECTION` for one section).", ""]

    owners = {}  # dotted path -> the section that wrote it (shown once, with that section's stamp)
    for section in SECTIONS:
        for figure in results.get("sections", {}).get(section, []):
            owners.setdefault(figure, section)

    def walk(prefix, value, section):
        if owners.get(prefix, section) != section:  # another section's part of this figure
            return
        if isinstance(value, dict) and not prefix.endswith(("val_bce", "epochs", "batch_size", "learning_rate",
                                                            "slider_first_s")):
            for k, v in value.items():
                yield from walk(f"{prefix}.{k}" if prefix else k, v, section)
        else:
            yield prefix, value

    def lookup(path):
        value = results
        for key in path.split("."):
            if not isinstance(value, dict) or key not in value:
                return missing
            value = value[key]
        return value

    missing = object()
    judged = targets(results)
    if judged:
        lines += [judged[0] + (" — a smoke run: its figures say nothing about speed" if results.get("smoke") else ""),
                  "", *[f"- {line}" for line in judged[1:]], ""]
    lines += ["| figure | value | section measured at |", "|---|---|---|"]
    stamps = results.get("measured_at", {})
    for section in SECTIONS:
        for key in results.get("sections", {}).get(section, []):
            if lookup(key) is missing:
                continue
            for name, value in walk(key, lookup(key), section):
                text = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
                lines.append(f"| `{name}` | {text.replace('|', chr(92) + '|')} | {stamps.get(section, '—')} |")
    write_text(path, "\n".join(lines) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny data, seconds; asserts nothing about speed")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {list(SECTIONS)}")
    parser.add_argument("--out", default=str(ROOT / "bench"), help="folder for results.json and RESULTS.md")
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown sections {unknown}; choose from {list(SECTIONS)}")
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
    keys = results.setdefault("sections", {})  # which top-level figures each section wrote
    fresh: dict = {}
    for section, bench in SECTIONS.items():
        if section not in only:
            continue
        print(f"bench: {section} ...", flush=True)
        t = time.perf_counter()
        figures = bench(cfg, data)
        merge_into(fresh, figures)
        keys[section] = figure_paths(figures)
        stamps[section] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        print(f"bench: {section} done in {time.perf_counter() - t:.0f} s", flush=True)
        merge_into(results, figures)  # written after every section: a later failure loses nothing measured
        write_text(results_path, json.dumps(results, indent=2, sort_keys=True) + "\n")
        write_markdown(results, out_dir / "RESULTS.md")
    print(json.dumps(fresh, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
