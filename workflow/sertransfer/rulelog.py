"""Running a rule's script with its log file: logging, warnings and tracebacks go to `log:`."""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def logged(log_path: str | Path | None) -> Iterator[logging.Logger]:
    """Send logging (INFO and up) and any exception's traceback to `log_path` (and stderr)."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.captureWarnings(True)
    logger = logging.getLogger("sertransfer")
    try:
        yield logger
    except BaseException as error:
        logger.error("%s: %s\n%s", type(error).__name__, error, traceback.format_exc())
        raise
