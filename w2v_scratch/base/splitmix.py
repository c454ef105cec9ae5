"""splitmix64 on the host: the constants and the finaliser the cpu backend seeds its generators with.

``mix64(z)`` is splitmix64's finaliser, a bijective 64-bit hash: z ^= z >> 30, z *= MIX1,
z ^= z >> 27, z *= MIX2, z ^= z >> 31 (all modulo 2**64). ``GOLDEN`` (2**64 / φ, odd) is the step
between consecutive splitmix64 states (``training.run.run_seed`` also steps a continued run's seed
by it). ``kernels/cuda.py`` keeps its own twin of these for the cuda backend (the kernels import
nothing from the package); ``tests/test_layout.py`` checks the two agree. The reference trainer
seeds NumPy's generator with the seed itself.
"""

from __future__ import annotations

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB


def mix64(z: int) -> int:
    """splitmix64's finaliser of the Python integer ``z`` (taken modulo 2**64)."""
    z &= MASK64
    z = ((z ^ (z >> 30)) * MIX1) & MASK64
    z = ((z ^ (z >> 27)) * MIX2) & MASK64
    return z ^ (z >> 31)
