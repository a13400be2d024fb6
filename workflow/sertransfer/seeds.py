"""Every seed of a run, derived from the config's `seed` and an identity (docs/design.md §7).

A job, a fold assignment, a split, a bootstrap or an SVM search seeds itself with
`derived_seed(config seed, *what it is)`: stable across runs, processes and machines, and different
for anything that differs in its identity. A seed repeat adds `repeat_identity(r)` to a job's identity.
"""

from __future__ import annotations

import hashlib


def derived_seed(seed: int, *identity: object) -> int:
    """A 32-bit seed from the config seed and an identity (stable across runs and machines)."""
    text = "/".join(str(part) for part in (seed, *identity))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


def repeat_identity(repeat: int) -> tuple[object, ...]:
    """What a seed repeat adds to a job's seed identity: nothing for the first (its seeds stay as they were)."""
    return ("repeat", repeat) if repeat else ()
