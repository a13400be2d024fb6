"""The one-command recovery a corrupt-file error tells the user (README: "When something goes wrong")."""

from __future__ import annotations

import os


def rebuild_hint(path: str | os.PathLike[str]) -> str:
    """How to rebuild `path` and everything made from it, in one command."""
    return (f"rebuild it and everything made from it with: snakemake all --forcerun {os.fspath(path)} "
            f"(plus your usual --cores/--profile/--configfile options)")
