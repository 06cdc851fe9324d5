"""The set-up check of notebook 00: versions, Keras backend, GPU, Graphviz.

Introduced in notebook 00.
"""
from __future__ import annotations

import importlib.metadata
import re
import shutil
import sys


# The one statement of what the series needs is pyproject.toml ([project] requires-python and
# dependencies); this module reads it from the installed package's metadata.
_OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}


def requirements() -> tuple[str, dict[str, str]]:
    """``(requires_python, {package: specifier})`` as pyproject.toml states them (no extras)."""
    try:
        meta = importlib.metadata.metadata("aehelpers")
        python, reqs = meta["Requires-Python"], importlib.metadata.requires("aehelpers") or []
    except importlib.metadata.PackageNotFoundError:  # imported from a checkout without installing
        import tomllib
        from pathlib import Path

        project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
        python, reqs = project["requires-python"], project["dependencies"]
    out = {}
    for req in reqs:
        if ";" in req and "extra" in req.split(";", 1)[1]:
            continue
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*(;.*)?$", req)
        out[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2).replace(" ", "")
    return python, out


def satisfies(version: str, spec: str) -> bool:
    """True when ``version`` meets every clause of ``spec`` (e.g. ``">=3.11,<3.14"``), compared numerically."""
    v = _version_tuple(version)
    for clause in filter(None, spec.replace(" ", "").split(",")):
        op = next(o for o in (">=", "<=", "==", "!=", ">", "<") if clause.startswith(o))
        bound = _version_tuple(clause[len(op):])
        width = len(bound)
        if not _OPS[op](v[:width] if op in ("==", "!=") else v, bound):
            return False
    return True


def supported_pythons(spec: str | None = None) -> str:
    """The supported Python range in words, e.g. ``"3.11–3.13"`` for ``">=3.11,<3.14"``."""
    spec = spec or requirements()[0]
    low = next(c[2:] for c in spec.split(",") if c.startswith(">="))
    high = next(c[1:] for c in spec.split(",") if c.startswith("<") and not c.startswith("<="))
    major, minor = _version_tuple(high)[:2]
    return f"{low}–{major}.{minor - 1}"


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def check_environment(*, strict: bool = True) -> dict:
    """Report versions, backend, GPU and Graphviz; raise ``RuntimeError`` listing every problem.

    Graphviz is optional (only ``plot_model`` needs it), so its absence is reported, not raised.
    """
    report: dict = {"python": sys.version.split()[0]}
    problems = []
    python_spec, pins = requirements()
    if not satisfies(report["python"], python_spec):
        problems.append(f"Python {supported_pythons(python_spec)} needed; this is {report['python']}")
    for name, spec in pins.items():
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed (run `make lab` or `pip install -e .`)")
            continue
        report[name] = version
        if spec and not satisfies(version, spec):
            problems.append(f"{name} {spec} needed; found {version}")
    if not problems:
        import keras

        from aehelpers.runtime import import_tensorflow_quietly

        tf = import_tensorflow_quietly()
        report["keras_backend"] = keras.backend.backend()
        report["gpus"] = [d.name for d in tf.config.list_physical_devices("GPU")]
        if report["keras_backend"] != "tensorflow":
            problems.append(f"Keras backend 'tensorflow' needed; found {report['keras_backend']!r} "
                            "(unset KERAS_BACKEND or set it to tensorflow)")
    report["graphviz_dot"] = shutil.which("dot")
    try:
        report["pydot"] = importlib.metadata.version("pydot")
    except importlib.metadata.PackageNotFoundError:
        report["pydot"] = None
    if problems and strict:
        raise RuntimeError("the series cannot run here:\n  - " + "\n  - ".join(problems))
    report["problems"] = problems
    return report
