"""The cpu kernels' threads=1 output, pinned bit for bit, for refactors that must not change a bit.

Numba compiles for the CPU it runs on, so float32 results depend on the instruction set (vector
width, FMA): the pins are stored per machine key (CPU model, numba and llvmlite versions) and the
test skips on a machine without pins. To record pins on a new machine, or after a change that is
*meant* to alter the numbers, run ``python tests/test_pinned_output.py --record``.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import platform
import sys

import numpy as np
import pytest

HERE = pathlib.Path(__file__).resolve().parent
PINS = HERE / "pinned" / "cpu_threads1.json"
# word2vec.c's pair-by-pair scheme for every variant (window_batch=False), and skip-gram's default window scheme
VARIANTS = [("sg", "ns"), ("sg", "hs"), ("cbow", "ns"), ("cbow", "hs"), ("sg", "ns-window"), ("sg", "hs-window")]


def machine_key() -> str:
    import llvmlite
    import numba

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
            flags = [ln for ln in open("/proc/cpuinfo") if ln.startswith("flags")][:1]
        cpu = names[0] if names else cpu
        isa = " ".join(sorted(x for x in (flags[0].split(":", 1)[1].split() if flags else [])
                              if x.startswith(("avx", "fma", "sse4"))))
    except OSError:
        isa = ""
    return f"{cpu} | {isa} | numba {numba.__version__} | llvmlite {llvmlite.__version__}"


def digest(model: str, variant: str, tmp) -> str:
    sys.path.insert(0, str(HERE.parent))
    from tests.conftest import make_topic_corpus
    from w2v_scratch.word2vec import Word2Vec

    loss, _, scheme = variant.partition("-")
    batch = (scheme == "window") if model == "sg" else None
    path = make_topic_corpus(pathlib.Path(tmp) / "topics.txt", n_sentences=600, length=14)
    w = Word2Vec(model=model, loss=loss, backend="cpu", dim=24, epochs=2, min_count=1, window=3, negative=4,
                 threads=1, seed=11, sample=1e-2, window_batch=batch).fit(str(path), progress=False,
                                                                        log=lambda m: None)
    out = w.context if loss == "ns" else w.inner_nodes
    return hashlib.sha256(np.ascontiguousarray(w.center).tobytes() + np.ascontiguousarray(out).tobytes()).hexdigest()


@pytest.mark.parametrize("model,loss", VARIANTS)
def test_threads1_output_is_pinned(model, loss, tmp_path):
    """``loss`` is the loss, with ``-window`` for skip-gram's window scheme."""
    pins = json.loads(PINS.read_text()) if PINS.exists() else {}
    mine = pins.get(machine_key())
    if not mine:
        pytest.skip("no pinned output for this CPU / Numba (record with: python tests/test_pinned_output.py --record)")
    assert digest(model, loss, tmp_path) == mine[f"{model}-{loss}"]


if __name__ == "__main__" and "--record" in sys.argv:
    import tempfile

    pins = json.loads(PINS.read_text()) if PINS.exists() else {}
    with tempfile.TemporaryDirectory() as tmp:
        pins[machine_key()] = {f"{m}-{l}": digest(m, l, tmp) for m, l in VARIANTS}
    PINS.write_text(json.dumps(pins, indent=1) + "\n")
    print(json.dumps(pins[machine_key()], indent=1))
