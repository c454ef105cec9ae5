"""What every other package leans on: errors, files, inputs and signals, nothing about word2vec.

* ``errors``: the :class:`W2VError` family, one exit status per kind of user mistake.
* ``files``: atomic writes and output checks (nothing half-written, nothing overwritten by accident).
* ``inputs``: opening inputs so that nothing hangs, floods memory or reads garbage.
* ``terminate``: SIGTERM and SIGHUP as unwinding exceptions.
* ``values``: the whole-number check and the short ``repr`` of one-line messages.
* ``splitmix``: splitmix64's constants and finaliser, which seed the cpu backend's generators.

May import: the standard library and NumPy only (no other package of w2v_scratch).
"""
