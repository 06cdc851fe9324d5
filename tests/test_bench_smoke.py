"""The bench runs end to end on small data (CI keeps it from rotting; no speed asserted)."""
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for bench.limit, bench.run


def test_bench_smoke(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["smoke"] is True and "offline sample" in results["machine"]["data_source"]
    assert 0.05 < results["entropy_floor"] < 0.07
    for key in ("val_bce", "s_per_epoch"):
        assert results["seed_recipe"][key] > 0 and results["aehelpers_recipe"][key] > 0
    assert results["aehelpers_recipe"]["epoch_time_ratio"] > 0 and results["aehelpers_recipe"]["numpy_time_ratio"] > 0
    assert results["limit"]["numpy_epoch_s"] > 0 and results["limit"]["gemm_epoch_s"] > 0
    assert results["limit"]["xla_gemm_epoch_s"] > 0 and results["limit"]["tf_gemm_epoch_s"] > 0  # the framework's GEMMs
    seeds = results["vae_seeds"]  # issue 28.7: rate from a validation split, several seeds a side
    assert seeds["ours_mean"] > 0 and seeds["ours_spread"] >= 0
    assert results["seed_recipe"]["steps_per_execution"] == 1 and results["aehelpers_recipe"]["jit_compile_asked"] is True
    assert isinstance(results["aehelpers_recipe"]["jit_compile"], bool)  # what Keras actually did
    lin = results["linear_vs_pca"]
    assert lin["mse_ratio"] >= 0.999 and 0 <= lin["min_cos"] <= 1.0 + 1e-9
    assert results["slider_ms"]["pca_median"] > 0
    site = results["series_s"]["site_full"]  # the smoke run builds one notebook's page, quick mode
    assert site["cold"] > 0 and site["warm"] > 0 and site["notebooks"] == 1 and site["mode"] == "quick"
    assert results["sections"]["site_full"] == ["series_s.site_full"]
    text = (tmp_path / "RESULTS.md").read_text()
    assert "seed_recipe.val_bce" in text and "not full MNIST" in text and "limit.gemm_epoch_s" in text
    assert "Targets of issue #26" in text
    assert text.count("`series_s.site_full.cold`") == 1


def test_the_numpy_limit_does_the_arithmetic_of_the_seed_code():
    """bench/limit.py's NumPy loop and the seed's Keras model, same weights, same batches in the same
    order: after two epochs the same weights and validation loss up to float32 rounding (seen: 1e-6).
    A wrong gradient, bias correction or loss would differ by orders of magnitude more."""
    import numpy as np

    import aehelpers as ae
    from bench.limit import NumpyAutoencoder
    from bench.run import _seed_recipe_model

    rng = np.random.default_rng(0)
    x = (1 / (1 + np.exp(-rng.normal(size=(1000, 10)) @ rng.normal(size=(10, 784))))).astype(np.float32)
    ae.seed_everything(0)
    keras_model = _seed_recipe_model()
    numpy_model = NumpyAutoencoder(keras_model.get_weights())
    history = keras_model.fit(x, x, epochs=2, batch_size=256, shuffle=False, validation_data=(x[:300], x[:300]),
                              verbose=0)

    class InOrder:  # the NumPy loop's batches in Keras' unshuffled order
        def permutation(self, m):
            return np.arange(m)

    for _ in range(2):
        last = numpy_model.fit_epoch(x, InOrder(), batch_size=256, x_val=x[:300])
    assert abs(last["val_loss"] - history.history["val_loss"][-1]) < 1e-5
    for a, b in zip(keras_model.get_weights(), numpy_model.params):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)


def test_series_s_keeps_the_cold_runs_figures_and_lists_prose_numbers_no_output_shows(tmp_path, monkeypatch):
    """Section series_s, its notebook runs faked: build/bench-figures/ gets what the cold run drew (not the
    warm run's, not an older run's), and series_s.prose_mismatches names the number no output shows."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    import bench.cells
    import bench.run

    runs = []

    def fake_run(path, env):
        figures = pathlib.Path(env["AEHELPERS_FIGURES"])
        figures.mkdir(parents=True, exist_ok=True)
        (figures / ("warm_only.png" if runs else "00_cold.png")).write_bytes(b"png")
        runs.append(env["AEHELPERS_QUICK"])
        nb = new_notebook(cells=[new_markdown_cell("The loss ends at 0.0928; about 0.06 nats."),
                                 new_code_cell("print(loss)", outputs=[new_output("stream", text="0.1234 0.0581\n")])])
        return {"seconds": 1.0, "slider_first_s": None, "cells": [(1, 0.5, "print(loss)")], "notebook": nb}

    monkeypatch.setattr(bench.cells, "run_notebook", fake_run)
    monkeypatch.setattr(bench.run, "BUILD", tmp_path)
    (tmp_path / "bench-figures").mkdir()
    (tmp_path / "bench-figures" / "stale.png").write_bytes(b"old")
    out = bench.run.bench_series_s({"series_quick": False, "series_full_notebooks": 1}, None)["series_s"]
    assert runs == ["0", "0"]  # cold, then warm, full mode
    assert sorted(p.name for p in (tmp_path / "bench-figures").iterdir()) == ["00_cold.png"]
    assert len(list((tmp_path / "bench-executed").glob("*.ipynb"))) == 1
    mismatches = out["prose_mismatches"]
    assert mismatches["count"] == 1 and "cell 0: 0.0928" in mismatches["list"][0]


def test_results_md_shows_a_figure_two_sections_share_once_with_its_own_section(tmp_path):
    from bench.run import figure_paths, write_markdown

    assert figure_paths({"series_s": {"site_full": {"cold": 1, "warm": 2}}}) == ["series_s.site_full"]
    assert figure_paths({"conv": {"a": 1, "b": 2}, "slider_ms": {"latent_median": 3}}) == ["conv", "slider_ms.latent_median"]
    results = {"machine": {"date": "d", "machine": "m", "python": "3", "tensorflow": "2", "keras": "3", "numpy": "2",
                           "data_source": "s", "full_mnist": True, "n_train": 1, "n_test": 1},
               "series_s": {"full": 10.0, "site_full": {"cold": 5.0, "warm": 2.0},
                            "prose_mismatches": {"count": 1, "list": ["00 cell 8: 12 (| 12 s |)"]}},
               "sections": {"series_s": ["series_s"], "site_full": ["series_s.site_full"]},
               "measured_at": {"series_s": "T1", "site_full": "T2"}}
    out = tmp_path / "RESULTS.md"
    write_markdown(results, out)
    rows = [line for line in out.read_text().splitlines() if line.startswith("| `")]
    assert "| `series_s.site_full.cold` | 5.0 | T2 |" in rows and "| `series_s.full` | 10.0 | T1 |" in rows
    assert sum("site_full" in r for r in rows) == 2 and all(r.count(" | ") == 2 for r in rows)  # "|" escaped


def test_the_xla_loop_limit_does_the_numpy_loops_arithmetic():
    """bench/limit.py's XLA loop (each call's steps one XLA program) against its NumPy loop, same weights and
    batches: after two epochs the same validation loss and weights up to float32 rounding.  Two steps per call
    on 1,000 examples: a call of 2 full batches, a call of the third, then the short last batch."""
    import numpy as np

    from bench.limit import NumpyAutoencoder, XlaLoopAutoencoder

    rng = np.random.default_rng(0)
    x = (1 / (1 + np.exp(-rng.normal(size=(1000, 10)) @ rng.normal(size=(10, 784))))).astype(np.float32)
    weights = [rng.normal(scale=0.05, size=s).astype(np.float32) for s in ((784, 32), (32,), (32, 784), (784,))]
    numpy_model, xla_model = NumpyAutoencoder(weights), XlaLoopAutoencoder(weights, steps_per_call=2)

    class InOrder:
        def permutation(self, m):
            return np.arange(m)

    for _ in range(2):
        a = numpy_model.fit_epoch(x, InOrder(), batch_size=256, x_val=x[:300])
        b = xla_model.fit_epoch(x, InOrder(), batch_size=256, x_val=x[:300])
    assert abs(a["val_loss"] - b["val_loss"]) < 1e-5
    assert int(xla_model.t.numpy()) == numpy_model.t == 8  # 4 batches per epoch, the short one included
    for w_numpy, w_xla in zip(numpy_model.params, xla_model.params):
        np.testing.assert_allclose(w_numpy, w_xla.numpy(), rtol=0, atol=1e-5)
