"""Rows of digits with labels."""
import numpy as np
import pytest

from aehelpers import rows


def test_rows_labels_and_shapes():
    import matplotlib
    matplotlib.use("Agg")
    fig, ax = rows.plot_rows({"a": np.zeros((3, 784)), "b": np.ones((3, 28, 28))}, xlabel="x")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    with pytest.raises(ValueError, match="same number"):
        rows.plot_rows({"a": np.zeros((3, 784)), "b": np.zeros((2, 784))})
    with pytest.raises(ValueError, match="non-empty dict"):
        rows.plot_rows({})
