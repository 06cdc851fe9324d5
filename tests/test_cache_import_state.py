"""A key does not depend on what happens to be imported (issue 25, class 6).

Before the redesign, the digest of a module that was not loaded hashed its *name*, so identical
code gave two entries depending on the cells run before, and the model was trained twice.  Keys
are now read from the modules' files.  Two fresh interpreters, one that has imported the nets and
views first and one that has not, must derive the same keys.
"""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import json, sys
import numpy as np
if sys.argv[1] == "warm":
    import aehelpers.nets.models, aehelpers.nets.training, aehelpers.views.plots  # noqa: F401
import aehelpers as ae
X = np.arange(24.0).reshape(6, 4) / 24
keys = {"theory": ae.call_entry(ae.train_hebbian, X, 2, seed=0).key,
        "nets": ae.call_entry(ae.train_linear_tracked, X, 2).key}
print(json.dumps({name: {k: v for k, v in key.items() if k != "versions"} for name, key in keys.items()}, sort_keys=True))
"""


def _keys(state: str, tmp_path) -> dict:
    out = subprocess.run([sys.executable, "-c", SCRIPT, state], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**__import__("os").environ, "AEHELPERS_CACHE": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_keys_are_the_same_whatever_was_imported_before(tmp_path):
    cold, warm = _keys("cold", tmp_path), _keys("warm", tmp_path)
    assert cold == warm
    assert cold["theory"] != cold["nets"]  # the check can tell two keys apart
