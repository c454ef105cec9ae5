"""The module paths from before the package was grouped into sub-packages, kept importable.

``import w2v_scratch.io`` (or ``from w2v_scratch.embeddings import Embeddings``) finds the module at
its new place and binds it under the old name too, so a user's program written against the flat
layout keeps working. ``w2v_scratch.corpus`` (the old ``corpus.py``) is now the package of the same
name, which re-exports that module's names. The README's changelog lists each old path with its new one.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

OLD_TO_NEW = {
    "errors": "base.errors", "files": "base.files", "terminate": "base.terminate", "inputs": "base.inputs",
    "models": "textbook.models", "losses": "textbook.losses", "optim": "textbook.optim",
    "sampling": "textbook.sampling", "huffman": "textbook.huffman", "gradcheck": "textbook.gradcheck",
    "reference": "textbook.reference",
    "encode": "corpus.encode", "vocab": "corpus.vocab",
    "sentences": "corpus.sentences", "phrases": "corpus.phrases",
    "config": "training.config", "train": "training.run", "trainer_cpu": "training.trainer_cpu",
    "trainer_cuda": "training.trainer_cuda", "kernel_inputs": "training.kernel_inputs",
    "checkpoint": "training.checkpoint", "history": "training.history", "progress": "training.progress",
    "monitor": "training.monitor", "persist": "training.persist",
    "embeddings": "vectors.embeddings", "keyedvectors": "vectors.keyedvectors", "io": "vectors.formats",
    "evaluate": "vectors.evaluate", "ranking": "vectors.ranking", "classes": "vectors.classes",
    "plot": "vectors.plot",
}


class _Alias(importlib.abc.Loader):
    """Loads an old name as the module already at its new place (one module object, two names)."""

    def __init__(self, new: str):
        self.new = new

    def create_module(self, spec):
        return importlib.import_module(self.new)

    def exec_module(self, module) -> None:  # the new module ran when it was imported
        pass


class _OldPaths(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        package, _, leaf = name.rpartition(".")
        if package != "w2v_scratch" or leaf not in OLD_TO_NEW:
            return None
        return importlib.util.spec_from_loader(name, _Alias(f"w2v_scratch.{OLD_TO_NEW[leaf]}"))


def install() -> None:
    if not any(isinstance(f, _OldPaths) for f in sys.meta_path):
        sys.meta_path.append(_OldPaths())
