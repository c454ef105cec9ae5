"""Trained vectors: querying, files, evaluation, word classes and pictures.

* ``embeddings``: :class:`Embeddings`, words and their vectors with gensim's ``KeyedVectors`` surface.
* ``queries``: its searches — cosines, nearest words, 3CosAdd and 3CosMul.
* ``gensim_evaluation``: its ``evaluate_word_analogies`` and ``evaluate_word_pairs``.
* ``cosine``: cosines from the raw vectors and their row norms, block by block (no normalised copy;
  many queries in one pass over the matrix).
* ``ranking``: top-k selection, the building block of the searches.
* ``keyedvectors``: :class:`KeyedVectors`, what ``Word2Vec.wv`` returns (vectors with their files).
* ``formats``: the vectors file formats — :func:`load_vectors` and every reader's and writer's name.
* ``writers``: writing word2vec text and binary and GloVe files.
* ``kvfile``: the memory-mapped ``.kv`` file (words and a raw float32 matrix, opened without parsing).
* ``sniff``: telling a vectors file's format from its content.
* ``readers``: reading word2vec text and binary and GloVe files.
* ``evaluate``: analogy accuracy and word-pair correlation.
* ``classes``: word classes by k-means (word2vec.c's ``-classes``).
* ``plot``: the loss curve and a 2-D PCA map of words.

May import: ``base``, ``textbook``, ``corpus`` and ``training`` (a native model's vectors are read
through ``training/persist.py``).
"""
