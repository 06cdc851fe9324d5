"""aehelpers: data, theory, models, plots and sliders for the autoencoder notebook series.

One face: ``import aehelpers as ae`` and every helper is ``ae.<name>`` (``ae.load_mnist``,
``ae.fit_pca``, ``ae.cached``, ``ae.bottleneck_slider``...).  Behind it the package has four
layers, each a folder or the root:

* the foundation (this folder): runtime set-up, files, data, probes, checks, the cache;
* ``theory/``: Baldi's framework and its theorems in NumPy only (no Keras, no cache, no plots);
* ``nets/``: Keras autoencoders, training recipes, the bottleneck sweep, the VAE;
* ``views/``: plots, pictures, the slider shell and the sliders.

A name's module is imported the first time the name is used, so theory never waits for Keras.
"""
from .runtime import quiet_tensorflow_env as _quiet

_quiet()  # before anything imports TensorFlow

import importlib as _importlib  # noqa: E402

from ._face import FACE as _FACE  # noqa: E402

__version__ = "0.1.0"
__all__ = sorted(_FACE)


def __getattr__(name: str):
    module = _FACE.get(name)
    if module is None:
        raise AttributeError(f"aehelpers has no {name!r} (the face lists {len(_FACE)} names: dir(ae) shows them)")
    value = getattr(_importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_FACE))
