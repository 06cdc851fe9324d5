"""Notebook 06 with the values its parameter cell invites the reader to change (issue 27).

The prose invites another ``latent_dim`` (exercise 2) and another ``noise_factor`` (exercise 1); every
✓ line must still hold.  One run covers both values (quick mode: a few minutes, most of it the new VAE
and the new denoiser; the conv model comes from the cache of the ordinary run when present).  The dense
models and the anomaly controls live in appendix 06a, which invites no values.
"""
from invited import outputs_text, run_invited


def test_06_with_latent_dim_8_and_noise_factor_0_3():
    nb = run_invited("06_conv_denoising_vae.ipynb", latent_dim=8, noise_factor=0.3)
    text = outputs_text(nb)
    assert "latent 8:" in text, "exercise 2's solution must report the 8-number code"
    assert "at noise_factor = 0.3" in text and "✗" not in text


def test_06_with_noise_factor_0_8():
    """Exercise 1's other choice: the denoiser trained at 0.8 (the VAE is the ordinary run's, from the cache)."""
    nb = run_invited("06_conv_denoising_vae.ipynb", noise_factor=0.8)
    text = outputs_text(nb)
    assert "at noise_factor = 0.8" in text and "✗" not in text
