"""The corpus pipeline: a text file (or Python sentences) → a vocabulary and int32 token ids.

* ``text_file``: reading a corpus file as checked text, and as sentences of tokens.
* ``encode``: the text kernel's driver: tokens → provisional ids and counts in one pass.
* ``read``: :func:`load` — read once, count, renumber by frequency (read twice with gensim's
  ``max_vocab_size``: counted with pruning, then encoded); the encoded :class:`Corpus`.
* ``cache``: where ids are kept while they are built, and the ``--corpus-cache`` folder.
* ``vocab``: the vocabulary (counts, ``min_count``, gensim's ``max_final_vocab``, ids sorted by frequency).
* ``sentences``: training from Python data (lists of tokens) with the same result as a file.
* ``phrase_model``: the :class:`Phrases` model (word2phrase's and gensim's scorings).
* ``phrases``: learning phrases on corpus files and writing the joined text.
* ``gensim_phrases``: gensim 4's ``Phrases``, ``FrozenPhrases`` (``Phraser``), ``ENGLISH_CONNECTOR_WORDS``.
* ``gensim_phrase_counts``: their counting (gensim's ``vocab`` dict, counted in batches by id).
* ``gensim_readers``: gensim 4's ``LineSentence``, ``Text8Corpus``, ``PathLineSentences``.

May import: ``base`` and ``kernels`` (the text kernel). The names of ``read`` are importable from
the package itself, as from the single ``corpus`` module that preceded it.
"""

from .read import (BOM, BUNDLED, CACHE_VERSION, MAX_BLANK_BYTES, MAX_SENTENCE_LENGTH,  # noqa: F401
                   MAX_WORD_BYTES, MEMORY_FRACTION, Corpus, check_cache_dir, encode_memmap, iter_sentences, load,
                   memory_budget, open_binary, provisional, renumber, resolve, scan)
