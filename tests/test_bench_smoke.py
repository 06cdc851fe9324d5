"""The bench runs end to end on small data (CI keeps it from rotting; no speed asserted)."""
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_bench_smoke(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["smoke"] is True and "offline sample" in results["machine"]["data_source"]
    assert 0.05 < results["entropy_floor"] < 0.07
    for key in ("val_bce", "s_per_epoch"):
        assert results["seed_recipe"][key] > 0 and results["aehelpers_recipe"][key] > 0
    assert results["aehelpers_recipe"]["epoch_time_ratio"] > 0
    lin = results["linear_vs_pca"]
    assert lin["mse_ratio"] >= 0.999 and 0 <= lin["min_cos"] <= 1.0 + 1e-9
    assert results["slider_ms"]["pca_median"] > 0
    text = (tmp_path / "RESULTS.md").read_text()
    assert "seed_recipe.val_bce" in text and "not full MNIST" in text
