"""IEMOCAP: `SessionN/sentences/wav/<dialog>/<utt>.wav`, labels in `SessionN/dialog/EmoEvaluation/*.txt`."""

import re
from pathlib import Path

from sertransfer.corpora.base import CorpusSpec, LabelFiles

#: `[6.2901 - 8.2357]<TAB>Ses01F_impro01_F000<TAB>neu<TAB>[2.5000, 2.5000, 2.5000]`
LABEL_LINE = re.compile(r"\[\s*[\d.]+\s*-\s*[\d.]+\s*\]\s+(?P<utterance>\S+)\s+(?P<label>[A-Za-z]+)\s+\[[^\]]*\]\s*")


def read_emo_evaluation(path: Path) -> tuple[dict[str, str], list[str]]:
    """Read one EmoEvaluation file: utterance -> category, plus warnings about odd turn lines."""
    labels: dict[str, str] = {}
    warnings: list[str] = []
    text = path.read_bytes().decode("utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped.startswith("["):
            continue  # header (%), evaluator lines (C-E2:, A-E3:), blank lines
        match = LABEL_LINE.fullmatch(stripped)
        if match is None:
            warnings.append(f"line {number} not understood, skipped: {stripped[:80]!r}")
            continue
        labels[match.group("utterance")] = match.group("label")
    return labels, warnings


CORPUS = CorpusSpec(
    key="iemocap",
    display_name="IEMOCAP",
    root_markers=("Session[0-9]*",),
    audio_globs=("Session*/sentences/wav/*/*",),
    path_pattern=re.compile(
        r"Session(?P<session>\d+)/sentences/wav/(?P<dialog>[^/]+)/"
        r"(?P<utterance>(?P=dialog)_(?P<gender>[FM])\d+)\.wav"),
    # `exc` (excited) is not one of the six: config decides (corpora.iemocap.label_overrides: {exc: happiness})
    label_map={"ang": "anger", "hap": "happiness", "exc": "excited", "sad": "sadness", "fea": "fear",
               "sur": "surprise", "dis": "disgust", "neu": "neutral", "fru": "frustration", "oth": "other",
               "xxx": "no_agreement"},
    speaker_format="Ses{session:0>2}{gender}",
    label_files=LabelFiles(glob="Session*/dialog/EmoEvaluation/*.txt", read=read_emo_evaluation),
    obtain=("IEMOCAP (Busso et al., 2008) is licensed: request it at\n"
            "  https://sail.usc.edu/iemocap/\n"
            "and extract IEMOCAP_full_release so that the folder holds Session1 ... Session5."),
)
