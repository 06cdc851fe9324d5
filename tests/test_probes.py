"""Probes and noisy inputs: non-digit families (shapes, ranges, the digit box, determinism, clear errors), add_noise."""
import numpy as np
import pytest

from aehelpers import probes as nd

RNG_FAMILIES = {"noise": nd.uniform_noise, "letters": nd.letters, "shapes": nd.shapes}
DIGIT_FAMILIES = {"inverted": nd.inverted_digits, "shifted": nd.shifted_digits}


@pytest.fixture(scope="module")
def digits():
    """Twenty stand-in 'digits': a bar of ink inside the box, at varying places."""
    x = np.zeros((20, 28, 28), np.float32)
    for i in range(20):
        x[i, 6 + i % 10:12 + i % 10, 10:18] = 1.0
    return x.reshape(20, 784)


def make(name, k, rng, digits):
    if name in RNG_FAMILIES:
        return RNG_FAMILIES[name](k, rng)
    return DIGIT_FAMILIES[name](digits, k, rng)


@pytest.mark.parametrize("name", list(RNG_FAMILIES) + list(DIGIT_FAMILIES))
def test_shape_dtype_range_and_box(name, digits):
    x = make(name, 7, np.random.default_rng(0), digits)
    assert x.shape == (7, 784) and x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert np.all(x[:, ~nd.frame_mask()] == 0), "every probe must stay inside the 20×20 digit box"
    assert x.max() > 0.5, "a probe with no ink probes nothing"


@pytest.mark.parametrize("name", list(RNG_FAMILIES) + list(DIGIT_FAMILIES))
def test_same_seed_same_images_other_seed_other_images(name, digits):
    a = make(name, 9, np.random.default_rng(3), digits)
    b = make(name, 9, np.random.default_rng(3), digits)
    c = make(name, 9, np.random.default_rng(4), digits)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(a, make(name, 9, 3, digits))  # an int seed means default_rng(seed)


def test_frame_is_mnists_20x20_box():
    mask = nd.frame_mask().reshape(28, 28)
    assert mask.sum() == 400 and mask[4:24, 4:24].all()


def test_noise_is_uniform_inside_box():
    x = nd.uniform_noise(500, np.random.default_rng(1))[:, nd.frame_mask()]
    assert abs(x.mean() - 0.5) < 0.01 and abs(x.var() - 1 / 12) < 0.005


def test_inverted_swaps_ink_and_background(digits):
    x = nd.inverted_digits(digits[:1], 1, 0)
    inside = nd.frame_mask()
    np.testing.assert_allclose(x[0, inside], 1.0 - digits[0, inside])


def test_shifted_moves_by_shift_both_ways(digits):
    src = digits[:1]
    x = nd.shifted_digits(src, 1, np.random.default_rng(0), shift=3)[0].reshape(28, 28)
    ys, xs = np.nonzero(src[0].reshape(28, 28))
    ys2, xs2 = np.nonzero(x)
    assert abs(abs(ys2.mean() - ys.mean()) - 3) < 1e-9 and abs(abs(xs2.mean() - xs.mean()) - 3) < 1e-9


def test_letters_avoid_digit_lookalikes():
    assert not set("OISZBGQD") & set(nd.LETTERS)
    assert all(len(rows) == 7 and all(len(r) == 5 for r in rows) for rows in nd._FONT.values())


def test_make_probes_order_and_selection(digits):
    probes = nd.make_probes(digits, 4, 0)
    assert tuple(probes) == nd.FAMILIES
    assert all(v.shape == (4, 784) for v in probes.values())
    assert tuple(nd.make_probes(digits, 2, 0, families=("letters", "noise"))) == ("letters", "noise")


@pytest.mark.parametrize("bad_k", [0, -1, 2.5, "3", True])
def test_bad_k_is_a_clear_error(bad_k):
    with pytest.raises(ValueError, match="k"):
        nd.uniform_noise(bad_k, 0)


@pytest.mark.parametrize("bad_rng", [None, -1, 1.5, "seed", np.random.RandomState(0)])
def test_bad_rng_is_a_clear_error(bad_rng):
    with pytest.raises(ValueError, match="rng"):
        nd.letters(3, bad_rng)


def test_bad_digits_are_clear_errors(digits):
    with pytest.raises(ValueError, match="784 columns"):
        nd.inverted_digits(np.zeros((3, 100)), 2, 0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        nd.shifted_digits(digits * 255, 2, 0)
    with pytest.raises(ValueError, match="shift"):
        nd.shifted_digits(digits, 2, 0, shift=0)
    with pytest.raises(ValueError, match="families"):
        nd.make_probes(digits, 2, 0, families=("noise", "cats"))


def test_add_noise_clipped_seeded_and_one_pattern_scaled():
    x = np.random.default_rng(0).random((3, 28, 28)).astype(np.float32)
    a, b = nd.add_noise(x, 0.5, rng=1), nd.add_noise(x, 0.5, rng=np.random.default_rng(1))
    assert a.shape == x.shape and a.dtype == np.float32 and a.min() >= 0 and a.max() <= 1 and np.array_equal(a, b)
    assert np.array_equal(nd.add_noise(x, 0.0), x)
    noise = np.random.default_rng(1).standard_normal(x.shape, dtype=np.float32)
    np.testing.assert_array_equal(nd.add_noise(x, 0.25, rng=1), np.clip(x + np.float32(0.25) * noise, 0, 1))
    assert not np.array_equal(a, nd.add_noise(x, 0.5, rng=2))


@pytest.mark.parametrize("level", [-0.1, float("nan"), float("inf"), "0.5", True])
def test_add_noise_refuses_bad_levels(level):
    with pytest.raises(ValueError, match="noise level"):
        nd.add_noise(np.zeros((2, 4)), level)


def real_like_digits():
    """Stand-in digits with MNIST's size: 20 rows of ink, a few columns wide, near the centre."""
    x = np.zeros((30, 28, 28), np.float32)
    for i in range(30):
        top = 3 + i % 4
        x[i, top:top + 20, 10 + i % 5:15 + i % 5] = 0.2 + 0.8 * (i % 3 == 0)
    return x.reshape(30, 784)


def test_keep_ink_moves_the_whole_digit_and_keeps_every_bit_of_ink():
    src = real_like_digits()
    shifted, originals = nd.shifted_digits(src, 40, 0, keep_ink=True, with_originals=True)
    np.testing.assert_allclose(shifted.sum(axis=1), originals.sum(axis=1), rtol=1e-6)
    rr, cc = np.indices((28, 28))
    for s, o in zip(shifted.reshape(-1, 28, 28), originals.reshape(-1, 28, 28)):
        com = lambda a: np.array([(a * rr).sum(), (a * cc).sum()]) / a.sum()
        np.testing.assert_allclose(np.abs(com(s) - com(o)), [5, 5], atol=1e-4)
    assert any(np.any(s[~nd.frame_mask()] > 0) for s in shifted), "ink may leave the box, whole"


def test_crop_loses_ink_and_its_control_is_cropped_too():
    src = real_like_digits()
    shifted, originals = nd.shifted_digits(src, 40, 0, with_originals=True)
    assert np.all(originals[:, ~nd.frame_mask()] == 0)
    assert shifted.sum() < 0.9 * originals.sum(), "a 5-pixel shift cut to the box loses ink"


def test_keep_ink_refuses_digits_with_no_room():
    full = np.zeros((2, 784), np.float32)
    full[:, :] = 0.5
    with pytest.raises(ValueError, match="room to move"):
        nd.shifted_digits(full, 2, 0, keep_ink=True)
    with pytest.raises(ValueError, match="keep_ink"):
        nd.shifted_digits(real_like_digits(), 2, 0, keep_ink="yes")
    with pytest.raises(ValueError, match="with_originals"):
        nd.shifted_digits(real_like_digits(), 2, 0, with_originals=1)


def test_make_probes_passes_keep_ink():
    src = real_like_digits()
    a = nd.make_probes(src, 5, 0, keep_ink=True)["shifted"]
    b = nd.shifted_digits(src, 5, np.random.default_rng(0), keep_ink=True)
    assert a.shape == (5, 784)
    assert np.isclose(a.sum(axis=1).mean(), src.sum(axis=1).mean(), rtol=0.5) and b.shape == a.shape


def test_share_inside_box_reads_the_ink_in_the_20x20_box():
    even = np.ones((2, 28, 28, 1))                       # noise spread evenly: 400 of 784 pixels
    assert np.allclose(nd.share_inside_box(even), 400 / 784)
    boxed = nd.uniform_noise(5, 0)                       # probes are drawn inside the box only
    assert np.allclose(nd.share_inside_box(boxed), 1.0)
    half = np.zeros((1, 784)); half[0, 0] = 1.0; half[0, nd.frame_mask()] = 1 / 400   # one unit out, one in
    assert np.allclose(nd.share_inside_box(half), 0.5)


def test_ink_offset_is_the_centre_of_mass_distance_from_pixel_14_14():
    dot = np.zeros((2, 28, 28)); dot[0, 14, 14] = 1.0; dot[1, 17, 18] = 2.0   # on the centre; 3 down, 4 right
    assert np.allclose(nd.ink_offset(dot), [0.0, 5.0])
    pair = np.zeros((1, 784)); pair[0, 14 * 28 + 10] = pair[0, 14 * 28 + 18] = 1.0   # balanced about (14, 14)
    assert np.allclose(nd.ink_offset(pair), 0.0)
