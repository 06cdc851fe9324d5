"""The package's layers as folders, and the rules between them (issue 24).

* the foundation (``aehelpers/*.py``) imports only the foundation;
* ``theory/`` imports NumPy and the foundation's checks, never Keras, TensorFlow, matplotlib,
  the cache, ``nets`` or ``views``;
* ``nets/`` imports the foundation and the theory, never ``views``;
* ``views/`` imports the foundation and the theory, never ``nets``;
* no module is over 400 lines, and the face (``aehelpers/_face.py``) is current.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "aehelpers"
MAX_LINES = 400


def modules():
    return sorted(p for p in PKG.rglob("*.py"))


def layer(path: Path) -> str:
    parts = path.relative_to(PKG).parts
    return parts[0] if len(parts) > 1 else "foundation"


def imported(path: Path) -> set[str]:
    """Every module a file imports, at any depth of its code (absolute names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(("aehelpers", *path.relative_to(PKG).parts[:-1]))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module
            if mod != "aehelpers":
                names.add(mod)
            names.update(f"{mod}.{a.name}" for a in node.names)  # ``from aehelpers import cache``
    return names


def layer_of(name: str) -> str | None:
    if name != "aehelpers" and not name.startswith("aehelpers."):
        return None
    parts = name.split(".")
    if len(parts) >= 2 and parts[1] in ("theory", "nets", "views"):
        return parts[1]
    if len(parts) >= 2 and (PKG / f"{parts[1]}.py").exists():
        return f"foundation:{parts[1]}"
    return "face" if len(parts) == 1 else None


FORBIDDEN = {
    "foundation": {"theory", "nets", "views"},
    "theory": {"nets", "views", "foundation:cache"},
    "nets": {"views"},
    "views": {"nets"},
}
THEORY_THIRD_PARTY = ("keras", "tensorflow", "matplotlib", "IPython", "ipywidgets")


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PKG)))
def test_import_rules(path):
    if path.name == "__init__.py" and path.parent == PKG:
        return  # the face imports lazily, by name
    own = layer(path)
    for name in imported(path):
        target = layer_of(name)
        assert target != "face", f"{path.relative_to(ROOT)} imports the face ({name}); import the module"
        if target is not None:
            assert target not in FORBIDDEN[own] and target.split(":")[0] not in FORBIDDEN[own], (
                f"{path.relative_to(ROOT)} ({own}) imports {name} ({target}), which its layer may not")
        if own == "theory":
            assert not name.split(".")[0] in THEORY_THIRD_PARTY, (
                f"{path.relative_to(ROOT)} is theory (NumPy only) but imports {name}")


def test_rules_can_fail(tmp_path):
    """The checker itself sees a theory module importing Keras or the cache."""
    bad = PKG / "theory" / "_probe_for_test.py"
    try:
        bad.write_text("def f():\n    import keras\n    from aehelpers import cache\n")
        names = imported(bad)
        assert "keras" in names and "aehelpers.cache" in names
        assert layer_of("aehelpers.cache") == "foundation:cache"
    finally:
        bad.unlink()


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PKG)))
def test_module_size(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines (at most {MAX_LINES}: split it by idea)"


def test_face_is_current():
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "face.py"), "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_face_resolves_every_name_and_theory_stays_light():
    code = ("import sys, aehelpers as ae\n"
            "ae.fit_pca; ae.error; ae.hessian\n"
            "assert 'keras' not in sys.modules and 'matplotlib' not in sys.modules, sorted(m for m in sys.modules if m in ('keras', 'matplotlib'))\n"
            "missing = [n for n in ae.__all__ if not hasattr(ae, n)]\n"
            "assert not missing, missing\n"
            "try:\n    ae.no_such_helper\nexcept AttributeError as e:\n    assert 'no_such_helper' in str(e)\n"
            "else:\n    raise SystemExit('no AttributeError')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_notebooks_import_one_face():
    """A notebook reaches the helpers as ``ae``: ``import aehelpers as ae`` and at most one more line."""
    import json

    for nb_path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        lines = [line.strip() for cell in nb["cells"] if cell["cell_type"] == "code"
                 for line in "".join(cell["source"]).splitlines()
                 if line.strip().startswith(("import aehelpers", "from aehelpers"))]
        assert "import aehelpers as ae" in lines, f"{nb_path.name}: no 'import aehelpers as ae'"
        assert len(lines) <= 2, f"{nb_path.name}: {len(lines)} aehelpers import lines: {lines}"
