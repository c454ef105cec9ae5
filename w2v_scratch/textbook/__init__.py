"""The textbook's math in NumPy: each formula of docs/math.md as a function you can read and check.

* ``models``: skip-gram and CBOW — which input rows form ``h``, and where ∂ℓ/∂h goes back.
* ``losses``: negative sampling, hierarchical softmax and the full softmax, with their gradients, and
  HS + NS at once on one ``h`` (``BothLosses``).
* ``optim``: SGD and Adam on the rows a minibatch touched.
* ``sampling``: subsampling, random windows, noise words (the alias table), the textbook's batches.
* ``huffman``: the Huffman tree of hierarchical softmax.
* ``reference``: one minibatch of the reference trainer — its loss and closed-form gradients.
* ``window``: the skip-gram window steps the fast kernels take by default, as NumPy functions.
* ``gradcheck``: finite-difference checks of every hand-derived gradient.

May import: NumPy, SciPy and the standard library only — no other package of w2v_scratch, no Numba
(tests/test_layout.py checks it), so the math can be read and run alone.
"""
