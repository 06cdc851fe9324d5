import io

import numpy as np
import pytest
from PIL import Image

from aehelpers import checks
from aehelpers.views.pictures import mosaic, to_png


def test_as_matrix():
    assert checks.as_matrix([[1, 2]]).dtype == np.float64
    with pytest.raises(ValueError, match=r"X must be 2-D .* got shape \(3,\)"):
        checks.as_matrix([1, 2, 3])
    with pytest.raises(ValueError, match="must have 4 columns; got shape"):
        checks.as_matrix(np.zeros((2, 3)), n_cols=4)
    with pytest.raises(ValueError, match="1 NaN/inf"):
        checks.as_matrix([[1.0, np.nan]])
    with pytest.raises(ValueError, match="at least one row"):
        checks.as_matrix(np.zeros((0, 3)))


def test_small_checks():
    assert checks.check_int_in_range(np.int64(3), "p", 1, 5) == 3
    with pytest.raises(ValueError, match=r"p must be in 1…784; got 785"):
        checks.check_int_in_range(785, "p", 1, 784)
    with pytest.raises(ValueError, match="p must be an integer; got 2.5"):
        checks.check_int_in_range(2.5, "p", 1)
    with pytest.raises(ValueError, match="same number of rows; got 2 and 3"):
        checks.check_same_length([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match=r"binary .* got values such as \[2\]"):
        checks.check_binary([0, 1, 2])
    with pytest.raises(ValueError, match="must lie in \\[0, 1\\]; got values from -0.5 to 1"):
        checks.check_unit_interval([-0.5, 1.0])


def test_mosaic_layout():
    imgs = np.stack([np.full(784, i / 5, np.float32) for i in range(5)])
    m = mosaic(imgs, ncols=3, pad=2)
    assert m.shape == (2 * 30 + 2, 3 * 30 + 2)
    assert m[2, 2] == 0.0 and m[2 + 30, 2 + 30] == pytest.approx(4 / 5)
    assert m[0, 0] == 1.0  # padding
    with pytest.raises(ValueError, match=r"got \(2, 10\)"):
        mosaic(np.zeros((2, 10)))


def test_to_png_roundtrip():
    arr = np.array([[0.0, 1.0], [0.5, 0.25]])
    img = np.asarray(Image.open(io.BytesIO(to_png(arr, scale=2))))
    assert img.shape == (4, 4) and img[0, 0] == 0 and img[0, 3] == 255 and img[2, 0] == 128
    with pytest.raises(ValueError, match="2-D"):
        to_png(np.zeros(3))
