"""Theory in NumPy only: Baldi's framework, PCA and the linear landscape, Boolean autoencoders,
stacking, Hebbian learning and anomaly scores.  Never imports Keras, the cache or the views
(``tests/test_layers.py`` holds it to that)."""
