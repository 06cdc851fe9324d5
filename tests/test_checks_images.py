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


def test_check_images_is_the_one_boundary_of_images():
    x = np.full((2, 28, 28, 1), 0.5)
    assert checks.check_images(x).dtype == np.float32 and checks.check_images(x, dtype=np.float64).dtype == np.float64
    with pytest.raises(ValueError, match=r"x must hold values in \[0, 1\] \(pixel intensities\); got values from 0 "
                                         r"to 255 — divide pixels by 255"):
        checks.check_images(np.array([[0.0, 255.0]]), "x")
    with pytest.raises(ValueError, match=r"x must hold finite values .*got 1 NaN/inf value\(s\) in shape \(1, 2\)"):
        checks.check_images([[0.0, np.nan]], "x")
    with pytest.raises(ValueError, match=r"non-empty batch of images.*got shape \(0, 784\)"):
        checks.check_images(np.zeros((0, 784)), "x")
    with pytest.raises(ValueError, match="strings"):
        checks.check_images([["a"]], "x")
    with pytest.raises(ValueError, match=r"y must hold values in \[0, 1\] \(targets\)"):
        checks.check_pixels(np.array([[2.0]]), "y", "targets")


def test_check_stop():
    assert checks.check_stop(np.int64(2), (1, 2, 3), "p") == 2
    assert checks.check_stop(0.26, (0.0, 0.5), "t", nearest=True) == 0.5
    with pytest.raises(ValueError, match=r"p must be one of the slider's stops \[1, 2, 3, 4, …, 98, 99, 100\]; got 0"):
        checks.check_stop(0, range(1, 101), "p")
    for bad in (2.0, True, "2", None, np.array([2])):
        with pytest.raises(ValueError, match=r"p must be one of the slider's stops \[1, 2, 3\]"):
            checks.check_stop(bad, (1, 2, 3), "p")
