"""Architecture diagrams with ``keras.utils.plot_model``, checking for pydot and Graphviz first.

Keras draws through pydot, which calls Graphviz's ``dot`` program; when either is missing
Keras prints a hint and returns ``None``, and a notebook carries on with no picture and no
clear reason.  ``plot_architecture`` checks both first, says in one line what is missing and
how to get it, and otherwise writes the PNG atomically into the figures folder.
Introduced in notebook 04.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .figures import figure_path
from .files import atomic_path

INSTALL_HINT = "install Graphviz (apt-get install graphviz, brew install graphviz or conda install graphviz)"


def graphviz_status() -> tuple[bool, str]:
    """``(True, version)`` when pydot and Graphviz's ``dot`` both work, else ``(False, why)``."""
    try:
        import pydot  # noqa: F401
    except ImportError:
        return False, "pydot is not installed (pip install pydot)"
    dot = shutil.which("dot")
    if dot is None:
        return False, f"Graphviz's 'dot' program is not on PATH; {INSTALL_HINT}"
    try:
        run = subprocess.run([dot, "-V"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as err:
        return False, f"Graphviz's 'dot' at {dot} does not run ({err}); {INSTALL_HINT}"
    if run.returncode != 0:
        return False, f"Graphviz's 'dot' at {dot} failed (exit {run.returncode}); {INSTALL_HINT}"
    return True, (run.stderr or run.stdout).strip()


def plot_architecture(model, name: str, *, show_shapes: bool = True, show_layer_names: bool = True,
                      rankdir: str = "TB", dpi: int = 80, verbose: bool = True) -> Path | None:
    """Draw ``model`` with ``keras.utils.plot_model`` into ``<figures_dir>/<name>.png``.

    Returns the path, or ``None`` after printing one line saying what is missing (pydot or
    Graphviz) so that the notebook goes on without the picture.
    """
    path = figure_path(name, "diagram")
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"rankdir must be 'TB' or 'LR'; got {rankdir!r}")
    ok, why = graphviz_status()
    if not ok:
        if verbose:
            print(f"architecture diagram skipped: {why}")
        return None
    import keras

    with atomic_path(path) as tmp:
        keras.utils.plot_model(model, to_file=str(tmp), show_shapes=show_shapes,
                               show_layer_names=show_layer_names, rankdir=rankdir, dpi=dpi)
    return path
