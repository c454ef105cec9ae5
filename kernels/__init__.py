"""Numba kernels, installed as ``w2v_scratch.kernels``.

They import nothing from the library: they take arrays and scalars, so each can
be read beside the NumPy reference it mirrors and tested alone.
"""
