"""aehelpers: data, theory, models, plots and widgets for the autoencoder notebook series.

The foundation is re-exported here; each idea lives in its own module
(``aehelpers.framework``, ``aehelpers.linear``, ``aehelpers.models`` ...), imported by name.
"""
import sys as _sys

from .tf_quiet import quiet_tensorflow_env as _quiet

_quiet()  # before anything imports TensorFlow

from . import notebook_setup as _notebook_setup  # noqa: E402

# TRANSITIONAL (issue 13, item 7): setup.py became notebook_setup.py + tf_quiet.py. cache.py,
# sweep.py, linear_training.py and environment.py still say `from .setup import ...`; delete
# this line (and `import sys`) once they import from .tf_quiet / .notebook_setup.
_sys.modules.setdefault(__name__ + ".setup", _notebook_setup)

from .data import MNIST, load_mnist  # noqa: E402
from .figures import save_fig  # noqa: E402
from .mode import by_mode, is_offline, is_quick  # noqa: E402
from .notebook_setup import seed_everything, setup_notebook  # noqa: E402
from .paths import cache_dir, figures_dir  # noqa: E402

__version__ = "0.1.0"
__all__ = ["MNIST", "load_mnist", "save_fig", "by_mode", "is_quick", "is_offline",
           "cache_dir", "figures_dir", "seed_everything", "setup_notebook"]
