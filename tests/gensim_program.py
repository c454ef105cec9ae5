"""A gensim 4 program, written for w2v-scratch's tests (not taken from gensim's documentation).

``tests/test_gensim_program.py`` runs it twice: as it stands, with gensim, and with every
``from gensim`` replaced by ``from w2v_scratch.gensim`` (nothing else changed); then it compares
the two runs' answers call by call. Each of :data:`STEPS` trains, saves or
reads (random training: the answers compared are types, shapes and words); :func:`ask` queries
a set of vectors (given the same vectors, the answers must agree within float32 rounding).
"""

import os
import warnings

import numpy as np
from gensim.models import KeyedVectors, Phrases, Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS
from gensim.models.word2vec import LineSentence

NEW_WORDS = ("zebra", "mango", "laptop")


class LossDeltas(CallbackAny2Vec):
    """The loss of each epoch, the way gensim users log it: the running total minus the last one."""

    def __init__(self):
        self.previous, self.deltas, self.epochs_begun, self.trainings = 0.0, [], 0, 0

    def on_train_begin(self, model):
        self.trainings += 1

    def on_epoch_begin(self, model):
        self.epochs_begun += 1

    def on_epoch_end(self, model):
        total = model.get_latest_training_loss()
        self.deltas.append(total - self.previous)
        self.previous = total


def settings(model):
    """The hyperparameters a gensim model reports."""
    names = ("vector_size", "sg", "hs", "negative", "window", "alpha", "min_alpha", "epochs", "cbow_mean",
             "sample", "min_count", "ns_exponent", "workers", "max_vocab_size", "max_final_vocab", "shrink_windows")
    return {name: getattr(model, name) for name in names}


def defaults(sentences, more, folder):
    """A model left to gensim's defaults (CBOW, negative sampling), and both losses at once."""
    cbow = Word2Vec(sentences, vector_size=12, min_count=1, workers=1, seed=7)
    both = Word2Vec(sentences, vector_size=8, hs=1, min_count=2, workers=1, seed=7, epochs=2)  # negative stays 5
    return {
        "defaults": settings(cbow),
        "cbow": (cbow.wv.vectors.shape, cbow.wv.vectors.dtype, cbow.syn1neg.shape, cbow.wv is cbow.wv),
        "cbow_counts": {w: int(cbow.wv.get_vecattr(w, "count")) for w in cbow.wv.index_to_key},
        "cbow_order": list(cbow.wv.index_to_key),
        "both": (both.hs, both.negative, both.syn1.shape, both.syn1neg.shape, both.wv.vectors.shape),
        "both_finite": bool(np.isfinite(both.wv.vectors).all()),
    }


def loss_and_growth(sentences, more, folder):
    """build_vocab + train with gensim's loss idiom, then new words: build_vocab(update=True) + train."""
    out = {}
    deltas = LossDeltas()
    model = Word2Vec(vector_size=10, sg=1, min_count=2, workers=1, seed=3, compute_loss=True, epochs=3)
    model.build_vocab(sentences)
    out["corpus"] = (model.corpus_count, model.corpus_total_words, len(model.wv))
    out["train"] = model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs,
                               compute_loss=True, callbacks=[deltas])
    out["loss_deltas"] = deltas.deltas
    out["loss_total"] = model.get_latest_training_loss()
    out["callback_calls"] = (deltas.trainings, deltas.epochs_begun, len(deltas.deltas))
    before = len(model.wv)
    model.build_vocab(more, update=True)
    out["grown"] = (before, len(model.wv), [w for w in NEW_WORDS if w in model.wv],
                    model.syn1neg.shape, model.wv.vectors.shape)
    old_vector = model.wv["cat"].copy()
    model.train(more, total_examples=len(more), epochs=model.epochs)
    out["grown_moved"] = not np.allclose(model.wv["cat"], old_vector)
    out["grown_similar"] = model.wv.most_similar("zebra", topn=3)
    return out


def phrases(sentences, more, folder):
    """Phrases learnt, frozen, applied, and a model trained on the phrased sentences."""
    found = Phrases(sentences, min_count=3, threshold=2.0, connector_words=ENGLISH_CONNECTOR_WORDS)
    frozen = found.freeze()
    phrased = [frozen[s] for s in sentences]
    model = Word2Vec(phrased, vector_size=8, min_count=2, workers=1, seed=1, epochs=2)
    return {
        "phrases": dict(frozen.phrasegrams),
        "exported": found.export_phrases(),
        "phrased": phrased,
        "phrased_same": [found[s] for s in sentences] == phrased,
        "phrase_words": sorted(w for w in model.wv.index_to_key if "_" in w),
    }


def line_sentence(sentences, more, folder):
    """The corpus written to a file and read back with LineSentence."""
    path = os.path.join(folder, "corpus.txt")
    with open(path, "w", encoding="utf8") as f:
        f.writelines(" ".join(s) + "\n" for s in sentences)
    model = Word2Vec(LineSentence(path), vector_size=8, min_count=2, workers=1, seed=1, epochs=1)
    return {"line_sentences": list(LineSentence(path)), "file_vocab": sorted(model.wv.key_to_index)}


def files(sentences, more, folder):
    """The vectors and the model saved under gensim's names and loaded back; queries on them."""
    model = Word2Vec(sentences, vector_size=10, sg=1, min_count=2, workers=1, seed=5, epochs=2)
    model.wv.save(os.path.join(folder, "words.kv"))
    mapped = KeyedVectors.load(os.path.join(folder, "words.kv"), mmap="r")
    out = {"kv_loaded": (type(mapped).__name__, mapped.vectors.shape, np.array_equal(mapped.vectors, model.wv.vectors),
                         mapped.index_to_key == model.wv.index_to_key, mapped.most_similar("cat", topn=3)),
           "kv_files": sorted(os.listdir(folder))}
    model.save(os.path.join(folder, "words.model"))
    loaded = Word2Vec.load(os.path.join(folder, "words.model"))
    out["model_loaded"] = (type(loaded).__name__, np.array_equal(loaded.wv.vectors, model.wv.vectors),
                           np.array_equal(loaded.syn1neg, model.syn1neg), settings(loaded) == settings(model))
    out["trained_after_load"] = loaded.train(more, total_examples=len(more), epochs=1)[1]
    out["files"] = sorted(os.listdir(folder))
    out["ask"] = ask(model.wv)
    return out


STEPS = (defaults, loss_and_growth, phrases, line_sentence, files)


def ask(wv):
    """Queries a gensim user makes of trained vectors (the last ones change them)."""
    out = {
        "most_similar": wv.most_similar("cat", topn=4),
        "analogy": wv.most_similar(positive=["dog", "apple"], negative=["cat"], topn=3),
        "similarity": wv.similarity("cat", "dog"),
        "doesnt_match": wv.doesnt_match(["cat", "dog", "horse", "unicorn", "banana"]),  # 'unicorn' is unknown
        "count": wv.get_vecattr("cat", "count"),
        "vector": wv["dog"],
        "unit": wv.get_vector("dog", norm=True),
        "len": len(wv),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gensim warns of adding vectors one by one, and of init_sims
        out["added"] = wv.add_vector("griffin", np.arange(wv.vector_size, dtype=np.float32))
        wv.fill_norms(force=True)  # gensim keeps its old norms after add_vector (w2v-scratch needs no call)
        out["added_near"] = wv.most_similar("griffin", topn=2)
        wv.init_sims(replace=True)
    out["norms"] = np.linalg.norm(wv.vectors, axis=1)
    out["after_norm"] = wv.most_similar("cat", topn=4)
    return out
