"""Running a rule's script with its log file: logging, warnings and tracebacks go to `log:`."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

#: The log file this process's stderr was sent to (`stderr_to_log`), if any.
_STDERR_LOG: list[str] = []


def stderr_to_log(log_path: str | Path) -> None:
    """Send this process's stderr, file descriptor 2 included, to the job's log (truncated first).

    Called by a rule script before it imports TensorFlow: TensorFlow's start-up lines (oneDNN notices,
    "Could not find cuda drivers", cuInit on a machine without a GPU) are written by C++ code to fd 2 at
    import; they then stay in the job's log instead of the console, where they read as errors.
    """
    path = Path(log_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    sys.stderr.flush()
    os.dup2(descriptor, 2)
    os.close(descriptor)
    _STDERR_LOG.append(str(path))


@contextlib.contextmanager
def logged(log_path: str | Path | None) -> Iterator[logging.Logger]:
    """Send logging (INFO and up) and any exception's traceback to `log_path` (and stderr).

    After `stderr_to_log(log_path)`, stderr *is* the log, so logging writes there once.
    """
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path and str(log_path) not in _STDERR_LOG:
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
