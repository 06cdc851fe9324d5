"""Boolean autoencoders: the two fixed-layer solutions, alternation, exhaustive search, bad inputs."""
import itertools

import numpy as np
import pytest

import aehelpers as ae
from aehelpers.theory import boolean as bo
from aehelpers.theory import partitions as pt


@pytest.fixture(scope="module")
def digits16():
    """Twelve real digits downsampled to 4×4 bits: small enough for exhaustive search."""
    data = ae.load_mnist(n_train=200, n_test=10, verbose=False)
    return bo.downsample_binary(data.x_train, side=4, threshold=0.2)[:12]


def _random_bits(m, n, seed=0, density=0.4):
    return (np.random.default_rng(seed).random((m, n)) < density).astype(np.uint8)


def test_binarize_thresholds_at_half():
    x = np.array([[0.0, 0.49, 0.5, 0.51, 1.0]])
    assert bo.binarize(x).tolist() == [[0, 0, 0, 1, 1]]


def test_bits_and_indices_round_trip():
    h = np.arange(16)
    bits = bo.index_to_bits(h, 4)
    assert bits[5].tolist() == [0, 1, 0, 1]
    assert np.array_equal(bo.bits_to_index(bits), h)


def test_optimal_encoder_is_nearest_code_in_hamming_distance():
    X, A = _random_bits(50, 10, 1), _random_bits(8, 10, 2)
    codes = bo.optimal_encoder(X, A)
    for x, h in zip(X, codes):
        dists = [(x != a).sum() for a in A]
        assert dists[h] == min(dists)
        assert h == int(np.argmin(dists))          # ties go to the smallest code


def test_optimal_decoder_is_bitwise_majority_and_beats_every_alternative():
    X = _random_bits(9, 4, 3)
    codes = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2])
    A = bo.optimal_decoder(X, codes, p=2)
    everything = np.array(list(itertools.product((0, 1), repeat=4)), dtype=np.uint8)
    for h in range(3):
        members = X[codes == h]
        assert np.array_equal(A[h], (2 * members.sum(0) > len(members)).astype(np.uint8))
        best = min(int((members != v).sum()) for v in everything)      # all 16 possible A(h)
        assert int((members != A[h]).sum()) == best
    assert A[3].tolist() == [0, 0, 0, 0]                                # unused code: 0 without a previous A


def test_optimal_decoder_keeps_previous_values_on_ties_and_unused_codes():
    X = np.array([[1, 0], [0, 0]], dtype=np.uint8)
    prev = np.array([[0, 1], [1, 1]], dtype=np.uint8)
    A = bo.optimal_decoder(X, np.array([0, 0]), p=1, previous_A=prev)
    assert A.tolist() == [[0, 0], [1, 1]]     # bit 0 tied 1–1: kept 0; code 1 unused: kept


def test_alternation_never_increases_the_error_and_stops_at_a_fixed_point():
    X = _random_bits(300, 20, 4)
    fit = bo.alternate(X, bo.random_decoder(X, 3, seed=0))
    assert all(b <= a for a, b in zip(fit.history, fit.history[1:]))
    assert fit.error == bo.reconstruction_error(X, fit.A, fit.codes) == bo.reconstruction_error(X, fit.A)
    # a fixed point: A is the majority vote for these codes, and every code is a nearest A(h)
    assert np.array_equal(bo.optimal_decoder(X, fit.codes, 3, previous_A=fit.A), fit.A)
    d = bo.hamming_distances(X, fit.A)
    assert np.array_equal(d[np.arange(len(X)), fit.codes], d.min(axis=1))


def test_more_bits_never_hurt_the_best_of_several_starts():
    X = bo.binarize(ae.load_mnist(n_train=500, n_test=10, verbose=False).x_train)
    errors = [bo.fit_boolean_autoencoder(X, p, n_starts=3, seed=0).error for p in range(5)]
    assert all(b < a for a, b in zip(errors, errors[1:])), errors


def test_as_autoencoder_matches_framework_error():
    fw = pytest.importorskip("aehelpers.theory.framework")
    X = _random_bits(100, 12, 5)
    fit = bo.fit_boolean_autoencoder(X, 2, n_starts=2)
    assert fw.error(fit.as_autoencoder(), X, delta=fw.hamming) == fit.error


def test_count_partitions_matches_stirling_and_bell_numbers():
    assert pt.count_partitions(5, 5) == 52                      # Bell(5)
    assert pt.count_partitions(5, 2) == 1 + 15                  # S(5,1) + S(5,2)
    assert pt.count_partitions(12, 4) == 1 + 2047 + 86526 + 611501
    labels = pt._restricted_growth_strings(7, 3)
    assert len(labels) == pt.count_partitions(7, 3)
    assert len({tuple(r) for r in labels}) == len(labels)        # each partition once


@pytest.mark.parametrize("p", [1, 2])
def test_exhaustive_equals_brute_force_over_all_assignments(p):
    X = _random_bits(6, 6, 6 + p)
    k = 2 ** p
    brute = min(bo.reconstruction_error(X, bo.optimal_decoder(X, np.array(c), p), np.array(c))
                for c in itertools.product(range(k), repeat=len(X)))
    assert pt.exhaustive_boolean_autoencoder(X, p).error == brute


def test_exhaustive_beats_every_alternation_and_some_starts_are_stuck(digits16):
    p = 2
    best = pt.exhaustive_boolean_autoencoder(digits16, p)
    fits = [bo.alternate(digits16, bo.random_decoder(digits16, p, seed=s)) for s in range(60)]
    errors = np.array([f.error for f in fits])
    assert (errors >= best.error).all()
    stuck = [f for f in fits if f.error > best.error]
    assert stuck, "expected some starts to end in strictly worse local optima"
    assert any(pt.is_single_move_optimal(digits16, f.codes, p) for f in stuck)
    assert pt.is_single_move_optimal(digits16, best.codes, p)


def test_non_binary_data_is_refused():
    with pytest.raises(ValueError, match="binary"):
        bo.fit_boolean_autoencoder(np.full((10, 4), 0.5), 1)
    with pytest.raises(ValueError, match="binary"):
        bo.optimal_encoder(np.array([[0, 2]]), np.array([[0, 1]]))


def test_too_many_bits_for_the_data_is_refused():
    with pytest.raises(ValueError, match=r"2\*\*4 = 16 codes, more than the 10 data points"):
        bo.fit_boolean_autoencoder(_random_bits(10, 5), 4)


def test_hopeless_exhaustive_search_is_refused_with_an_estimate():
    X = _random_bits(24, 8, 7)
    with pytest.raises(ValueError, match=r"partitions, about .*(hours|days|years)"):
        pt.exhaustive_boolean_autoencoder(X, 3)
    assert pt.estimate_exhaustive_seconds(24, 3) > 3600


def test_wrong_shapes_are_refused():
    with pytest.raises(ValueError, match="2\\*\\*p rows"):
        bo.alternate(_random_bits(10, 4), _random_bits(3, 4))
    with pytest.raises(ValueError, match="n = 4 bits"):
        bo.alternate(_random_bits(10, 4), _random_bits(2, 5))
    with pytest.raises(ValueError, match="one code index per point"):
        bo.optimal_decoder(_random_bits(10, 4), np.zeros(3, int), p=1)


def test_with_as_many_codes_as_points_the_data_are_memorised():
    """2**p ≥ m: the exact optimum (and alternation from a Forgy start) reaches E = 0."""
    rng = np.random.default_rng(5)
    X = rng.integers(0, 2, size=(8, 16)).astype(np.uint8)
    assert len(np.unique(X, axis=0)) == 8
    assert pt.exhaustive_boolean_autoencoder(X, p=3).error == 0
    assert bo.fit_boolean_autoencoder(X, 3, seed=0).error == 0
    assert pt.exhaustive_boolean_autoencoder(X, p=2).error > 0        # 2**p < m: it cannot


def test_majority_vote_is_the_rounded_mean_and_the_hamming_median():
    rng = np.random.default_rng(6)
    X = rng.integers(0, 2, size=(15, 9)).astype(np.uint8)          # odd cluster: no ties
    codes = np.zeros(15, dtype=int)
    A = bo.optimal_decoder(X, codes, p=1)
    assert np.array_equal(A[0], np.round(X.mean(axis=0)).astype(np.uint8))
    best = min(range(2 ** 9), key=lambda v: int((X != ((v >> np.arange(9)) & 1)).sum()))
    assert int((X != A[0]).sum()) == int((X != ((best >> np.arange(9)) & 1)).sum())


def test_code_entropy_is_at_most_p_and_exact_for_uniform_codes():
    assert bo.code_entropy(np.arange(8), 3) == pytest.approx(3.0)
    assert bo.code_entropy(np.zeros(5, dtype=int), 2) == 0.0
    assert bo.code_entropy(np.array([0, 0, 1, 3]), 2) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="0…3"):
        bo.code_entropy(np.array([0, 4]), 2)


def test_a_cached_fit_is_the_fit(tmp_path):
    rng = np.random.default_rng(3)
    X = (rng.random((200, 12)) < 0.4).astype(np.uint8)
    plain = bo.fit_boolean_autoencoder(X, 2, n_starts=2, seed=5)
    made = ae.cached(bo.fit_boolean_autoencoder, X, 2, n_starts=2, seed=5)
    loaded = ae.cached(bo.fit_boolean_autoencoder, X, 2, n_starts=2, seed=5)
    assert ae.call_entry(bo.fit_boolean_autoencoder, X, 2, n_starts=2, seed=5).exists()
    for fit in (made, loaded):
        assert isinstance(fit, bo.BooleanFit) and fit.A.dtype == plain.A.dtype
        assert np.array_equal(fit.A, plain.A) and np.array_equal(fit.codes, plain.codes)
        assert (fit.error, fit.history, fit.start_errors, fit.n_iter) == \
               (plain.error, plain.history, plain.start_errors, plain.n_iter)
    other = ae.cached(bo.fit_boolean_autoencoder, X, 2, n_starts=2, seed=6)   # another seed: another entry
    assert not ae.call_entry(bo.fit_boolean_autoencoder, X[1:], 2, n_starts=2, seed=5).exists()  # other data
    assert ae.call_entry(bo.fit_boolean_autoencoder, X, 2, n_starts=2, seed=6).exists() and other.p == 2
    with pytest.raises(ValueError, match="fixed seed"):
        ae.cached(bo.fit_boolean_autoencoder, X, 2, seed=None)
