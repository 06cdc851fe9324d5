"""The set-up check of notebook 00: versions, Keras backend, GPU, Graphviz.

Introduced in notebook 00.
"""
from __future__ import annotations

import importlib.metadata
import shutil
import sys

# package -> (minimum version, first version too new), as in pyproject.toml
REQUIRED = {
    "tensorflow": ((2, 21), (2, 22)),
    "keras": ((3, 10), (4,)),
    "numpy": ((1, 26), None),
    "matplotlib": ((3, 8), None),
    "ipywidgets": ((8, 1), (9,)),
    "jupyterlab": ((4, 2), (5,)),
    "mlxtend": ((0, 23), None),
}


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
    if sys.version_info < (3, 11):
        problems.append(f"Python ≥ 3.11 needed; this is {report['python']}")
    for name, (low, high) in REQUIRED.items():
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed (run `make lab` or `pip install -e .`)")
            continue
        report[name] = version
        v = _version_tuple(version)
        if v < low or (high is not None and v >= high):
            want = f">={'.'.join(map(str, low))}" + (f",<{'.'.join(map(str, high))}" if high else "")
            problems.append(f"{name} {want} needed; found {version}")
    if not problems:
        import keras

        from .setup import import_tensorflow_quietly

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
