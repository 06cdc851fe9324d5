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
    seeds = results["vae_seeds"]  # issue 28.7: rate from a validation split, several seeds a side
    assert seeds["ours_mean"] > 0 and seeds["ours_spread"] >= 0
    assert results["seed_recipe"]["steps_per_execution"] == 1 and results["aehelpers_recipe"]["jit_compile_asked"] is True
    assert isinstance(results["aehelpers_recipe"]["jit_compile"], bool)  # what Keras actually did
    lin = results["linear_vs_pca"]
    assert lin["mse_ratio"] >= 0.999 and 0 <= lin["min_cos"] <= 1.0 + 1e-9
    assert results["slider_ms"]["pca_median"] > 0
    text = (tmp_path / "RESULTS.md").read_text()
    assert "seed_recipe.val_bce" in text and "not full MNIST" in text and "limit.gemm_epoch_s" in text
    assert "Targets of issue #26" in text


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
