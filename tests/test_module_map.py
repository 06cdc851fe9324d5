"""CONTRIBUTING.md's module map is the one ``tools/module_map.py`` writes from the module docstrings."""
import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("module_map", ROOT / "tools" / "module_map.py")
module_map = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module_map)


def test_contributing_map_is_current():
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "module_map.py"), "--check"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr + "(run `python tools/module_map.py`)"


def test_the_map_lists_every_module_with_its_docstring_and_notebook():
    rendered = module_map.render()
    for path in sorted(module_map.PKG.rglob("*.py")):
        if path.name.startswith("_"):
            continue
        rel = path.relative_to(module_map.PKG).as_posix()
        doc = module_map.docstring(path)
        assert doc, f"aehelpers/{rel} has no docstring: the map (and a newcomer) needs one"
        row = next((line for line in rendered.splitlines() if line.startswith(f"| `{rel}` |")), None)
        assert row is not None, f"aehelpers/{rel} is missing from the map"
        assert module_map._cell(module_map.first_line(doc)) in row
    assert "[04](notebooks/04_keras_mnist_autoencoder.ipynb)" in rendered


def test_a_stale_map_is_caught():
    current = module_map.CONTRIBUTING.read_text(encoding="utf-8")
    stale = current.replace("| `data.py` |", "| `data.py` | (notebook 04) |", 1)
    assert stale != current and module_map.updated(stale) == current


def test_notebook_from_the_docstring():
    assert module_map.notebook_link("Loads.\n\nIntroduced in\nnotebook 02.").startswith("[02](notebooks/02_")
    assert module_map.notebook_link("No notebook named.") == "—"
