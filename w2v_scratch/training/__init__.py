"""Training: the configuration, the run loop, the three backends, and what a run writes.

* ``config``: :class:`TrainConfig`, its defaults and its validation.
* ``recipes``: the textbook and word2vec recipes, which one a run gets, and the line that says so.
* ``gensim_keywords``: gensim's ``Word2Vec`` keywords mapped to config fields.
* ``memory``: the memory a run needs, checked against what the machine has.
* ``run``: the entry point — read the corpus, pick a backend, train, report.
* ``trainer_reference``: the NumPy minibatch trainer (the textbook's step, Adam or SGD).
* ``trainer_cpu``: word2vec.c's Hogwild SGD on the Numba kernels of ``kernels/cpu.py``.
* ``trainer_cuda``: the GPU trainer on ``kernels/cuda.py``.
* ``kernel_inputs``: the tables the kernels are handed besides the corpus and the matrices.
* ``monitor``: the loss on one fixed sample, parameters frozen.
* ``history``: one record per epoch, the same for every backend.
* ``progress``: a progress bar on a terminal, plain lines elsewhere.
* ``persist``: a model on disk (``.npz`` + ``.json``, no pickle).
* ``model_file``: a model in one file (gensim's ``model.save("w2v.model")``), checked as ``persist``'s.
* ``vocab_growth``: a model's vocabulary grown by another corpus's words (online vocabulary).
* ``checkpoint``: checkpoints at intervals and on Ctrl-C/SIGTERM, and the lock on their path.
* ``resume_checks``: a checkpoint's position, checked field by field before a run resumes.

May import: ``base``, ``textbook``, ``corpus`` and ``kernels`` (the kernels only inside the
functions that need them, so that importing the package does not compile Numba code).
"""
