"""Keras autoencoders: the blog's models, training recipes, the bottleneck sweep, the identity
experiments and the VAE.  Imports the foundation and the theory, never the views."""
