"""gensim's names that ``w2v_scratch.gensim`` does not keep (gensim 3's renamed attributes, gensim's
internal steps and tables), each with what gensim gives and the way to get it here: reading one
raises an AttributeError of one line saying both (``__getattr__`` of ``Word2Vec`` and ``KeyedVectors``).

May import: nothing from the package.
"""


def absent(obj, name: str, table: dict) -> AttributeError:
    """The AttributeError for ``obj.name``: Python's own, or for a gensim name in ``table``
    (name → (what gensim gives, the way to get it here)) one line saying both."""
    if name in table:
        what, way = table[name]
        return AttributeError(f"{type(obj).__name__}.{name} is {what}, not kept by w2v_scratch.gensim: {way}")
    return AttributeError(f"{type(obj).__name__!r} object has no attribute {name!r}")


# KeyedVectors: gensim's name → (what gensim gives, the way to get it here)
KEYED_VECTORS = {
    "vocab": ("gensim 3's vocab (removed in gensim 4.0.0)", "use .key_to_index, .index_to_key and "
              ".get_vecattr(key, 'count')"),
    "index2word": ("gensim 3's index2word (gensim 4.0.0: index_to_key)", "use .index_to_key"),
    "index2entity": ("gensim 3's index2entity (gensim 4.0.0: index_to_key)", "use .index_to_key"),
    "syn0": ("gensim 3's syn0 (gensim 4.0.0: vectors)", "use .vectors"),
    "vectors_norm": ("gensim 3's vectors_norm (gensim 4.0.0: get_normed_vectors())", "use .get_normed_vectors()"),
    "syn0norm": ("gensim 3's syn0norm (gensim 4.0.0: get_normed_vectors())", "use .get_normed_vectors()"),
    "log_accuracy": ("gensim's logger of one analogy section's score", "log evaluate_word_analogies()'s answer"),
    "log_evaluate_word_pairs": ("gensim's logger of word-pair correlations", "log evaluate_word_pairs()'s answer"),
    "vectors_lockf": ("gensim's per-row learning-rate factors (for intersect_word2vec_format)",
                      "every row trains here: copy rows back with kv[words] = saved after training"),
    "next_index": ("gensim's count of filled slots of a preallocated KeyedVectors", "use len(kv): nothing is "
                   "preallocated here"),
}

_STEPS = "build_vocab() (with update=True to grow a vocabulary), build_vocab_from_freq() and train()"
# Word2Vec: gensim's name → (what gensim gives, the way to get it here)
WORD2VEC = {name: (f"gensim's internal vocabulary/weights step {name}()", f"call {_STEPS}, which do it")
          for name in ("scan_vocab", "prepare_vocab", "prepare_weights", "update_weights", "make_cum_table",
                       "create_binary_tree", "add_null_word", "seeded_vector")}
WORD2VEC.update({
    "reset_from": ("gensim's reset_from(other): share another model's vocabulary, new vectors",
                   "build_vocab() on the other model's corpus (the same seed gives the same initial vectors)"),
    "score": ("gensim's score(): log-probabilities of sentences under a hierarchical-softmax model",
              "compute it with gensim"),
    "cum_table": ("gensim's cumulative noise table", "the noise distribution is counts ** ns_exponent, from "
                  "model.wv.get_vecattr(word, 'count')"),
    "raw_vocab": ("gensim's raw counts, kept only with keep_raw_vocab", "count the corpus yourself "
                  "(collections.Counter)"),
    "random": ("gensim's RandomState for training", "set seed= (and workers=1) for repeatable training"),
    "iter": ("gensim 3's iter (gensim 4.0.0: epochs)", "use .epochs"),
    "size": ("gensim 3's size (gensim 4.0.0: vector_size)", "use .vector_size"),
})
