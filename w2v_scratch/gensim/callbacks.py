"""gensim's ``CallbackAny2Vec``: the base class of training callbacks.

Subclass it and override the methods you need; each is called with the model being trained.
The trainers (``training/run.py``'s ``Callbacks``, behind both ``w2v_scratch.gensim.Word2Vec``
and the native ``w2v_scratch.Word2Vec``) call, in order: ``on_train_begin``, then for each epoch
``on_epoch_begin`` and ``on_epoch_end`` (the epoch's vectors and loss readable from the model),
then ``on_train_end``. A callback written for gensim (a subclass of gensim's own class) works
unchanged, and so does one of this class with gensim's ``Word2Vec``.

    >>> class EpochLoss(CallbackAny2Vec):
    ...     def __init__(self):
    ...         self.previous = 0.0
    ...     def on_epoch_end(self, model):
    ...         total = model.get_latest_training_loss()   # gensim's running sum (compute_loss=True)
    ...         print(total - self.previous)
    ...         self.previous = total
"""

from __future__ import annotations


class CallbackAny2Vec:
    """Base class of the callbacks ``Word2Vec(callbacks=[...])`` and ``train(callbacks=[...])`` take:
    every method does nothing until overridden."""

    def on_epoch_begin(self, model) -> None:
        """Called before each epoch."""

    def on_epoch_end(self, model) -> None:
        """Called after each epoch, the model's vectors and latest training loss as the epoch left them."""

    def on_train_begin(self, model) -> None:
        """Called once before the first epoch of a training call."""

    def on_train_end(self, model) -> None:
        """Called once after the last epoch of a training call."""

    def on_batch_begin(self, model) -> None:
        """Never called: gensim 4 stopped calling batch callbacks, and the trainers here have no gensim
        batches. Defined, doing nothing, so that a gensim 3 callback's ``super().on_batch_begin(model)``
        still works."""

    def on_batch_end(self, model) -> None:
        """Never called (see :meth:`on_batch_begin`)."""
