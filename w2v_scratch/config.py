"""All training hyperparameters in one dataclass, validated once.

Two families of defaults:

* ``backend="reference"`` (the NumPy trainer) follows the textbook (d2l.ai,
  "Pretraining word2vec"): min count 10, subsampling sqrt(1e-4/f), minibatches of
  512 centers, Adam.
* ``backend="cpu"`` / ``"cuda"`` (the Numba kernels) follow word2vec.c: min count
  5, sample 1e-3 with the C rule, plain SGD with alpha 0.025 (0.05 for CBOW)
  decaying linearly to ``min_lr``.

Any field left as ``None`` takes its backend's default in :meth:`TrainConfig.resolved`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .errors import ConfigError

MODELS = ("sg", "cbow")
LOSSES = ("ns", "hs", "softmax")
BACKENDS = ("reference", "cpu", "cuda", "auto")

TEXTBOOK = dict(min_count=10, sample=1e-4, sample_rule="textbook", lr=0.01, optimizer="adam", batch_size=512)
WORD2VEC_C = dict(min_count=5, sample=1e-3, sample_rule="word2vec", lr=None, optimizer="sgd", batch_size=512)


@dataclass
class TrainConfig:
    model: str = "sg"
    loss: str = "ns"
    dim: int = 100
    window: int = 5
    negative: int = 5
    epochs: int = 5
    min_count: int | None = None
    max_vocab: int | None = None
    sample: float | None = None
    sample_rule: str | None = None
    lr: float | None = None
    min_lr: float | None = None
    optimizer: str | None = None
    batch_size: int | None = None
    cbow_mean: bool = True
    ns_exponent: float = 0.75
    threads: int = 1
    seed: int = 1
    backend: str = "reference"
    max_sentence_length: int = 10_000
    extra: dict = field(default_factory=dict)

    def resolved(self) -> "TrainConfig":
        """A copy with every ``None`` replaced by the backend's default, then validated."""
        base = TEXTBOOK if self.backend == "reference" else WORD2VEC_C
        values = dataclasses.asdict(self)
        for key, default in base.items():
            if values[key] is None:
                values[key] = default
        if values["lr"] is None:  # word2vec.c's alpha
            values["lr"] = 0.05 if self.model == "cbow" else 0.025
        if values["min_lr"] is None:
            values["min_lr"] = values["lr"] * 1e-4
        cfg = TrainConfig(**values)
        cfg.validate()
        return cfg

    def validate(self) -> None:
        def need(ok: bool, msg: str) -> None:
            if not ok:
                raise ConfigError(msg)

        need(self.model in MODELS, f"unknown model {self.model!r}: use one of {', '.join(MODELS)}")
        need(self.loss in LOSSES, f"unknown loss {self.loss!r}: use one of {', '.join(LOSSES)}")
        need(self.backend in BACKENDS, f"unknown backend {self.backend!r}: use one of {', '.join(BACKENDS)}")
        need(self.dim > 0, f"--dim must be positive (got {self.dim})")
        need(self.window > 0, f"--window must be positive (got {self.window})")
        need(self.epochs > 0, f"--epochs must be positive (got {self.epochs})")
        need(self.negative >= 0, f"--negative must be >= 0 (got {self.negative})")
        need(self.loss != "ns" or self.negative > 0, "--negative must be positive with negative sampling (--loss ns)")
        need(self.min_count is None or self.min_count >= 1, f"--min-count must be at least 1 (got {self.min_count})")
        need(self.max_vocab is None or self.max_vocab >= 0, f"--max-vocab must be >= 0 (got {self.max_vocab})")
        need(self.sample is None or self.sample >= 0, f"--sample must be >= 0 (got {self.sample})")
        need(self.lr is None or self.lr > 0, f"--lr must be positive (got {self.lr})")
        need(self.min_lr is None or self.min_lr >= 0, f"--min-lr must be >= 0 (got {self.min_lr})")
        need(self.batch_size is None or self.batch_size > 0, f"--batch-size must be positive (got {self.batch_size})")
        need(self.threads > 0, f"--threads must be positive (got {self.threads})")
        need(self.optimizer in (None, "adam", "sgd"), f"unknown optimizer {self.optimizer!r}: use adam or sgd")
        need(self.backend == "reference" or self.optimizer in (None, "sgd"),
             f"--optimizer {self.optimizer} is for the reference trainer: the {self.backend} backend runs "
             "word2vec.c's per-pair SGD (drop --optimizer, or use --backend reference)")
        need(self.max_sentence_length > 0, "max sentence length must be positive")
        need(self.ns_exponent >= 0, "the noise exponent must be >= 0")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})
