"""aehelpers: data, theory, models, plots and widgets for the autoencoder notebook series.

The foundation is re-exported here; each idea lives in its own module
(``aehelpers.framework``, ``aehelpers.linear``, ``aehelpers.models`` ...), imported by name.
"""
from .tf_quiet import quiet_tensorflow_env as _quiet

_quiet()  # before anything imports TensorFlow

from .data import MNIST, load_mnist  # noqa: E402
from .figures import save_fig  # noqa: E402
from .mode import by_mode, is_offline, is_quick  # noqa: E402
from .notebook_setup import seed_everything, setup_notebook  # noqa: E402
from .paths import cache_dir, figures_dir  # noqa: E402

__version__ = "0.1.0"
__all__ = ["MNIST", "load_mnist", "save_fig", "by_mode", "is_quick", "is_offline",
           "cache_dir", "figures_dir", "seed_everything", "setup_notebook"]
