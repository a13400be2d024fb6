"""On-disk layouts of the six corpora: one planning mechanism driven by a per-corpus table.

A :class:`Layout` row says everything in which the corpora differ: the channel (sample rate,
language-like formants, band, noise), the container, the speakers (real ids, and which ones
come first when only some are generated), the source labels (as written in paths or label
files) with the speaking style each is synthesised in, a ``str.format`` template of the
relative path, the per-cell item names (texts, sentences), regex rewrites that reproduce the
real naming irregularities, and two optional hooks: ``assign`` for names that depend on a
running state (IEMOCAP dialogs and turn numbers, AFEW split and clip ids) and ``sidecars`` for
label files written beside the audio (IEMOCAP). :func:`plan` turns a row into a list of
:class:`Clip` (relative path, speaker, label, style, channels, duration), nothing else.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sertransfer.synthetic.speech import AMBIGUOUS, Channel, rng_for


@dataclass(frozen=True)
class SpeakerSpec:
    """A corpus speaker: id as written in paths, gender ('m', 'f', or '' = unknown), template fields."""

    id: str
    gender: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Label:
    """A source label: ``code`` as it appears in file names, ``word`` as in folder names, style."""

    code: str
    word: str
    style: str


@dataclass(frozen=True)
class Clip:
    """One planned audio file."""

    relpath: str
    speaker: SpeakerSpec
    label: Label
    channels: int
    duration_s: float
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Layout:
    """How one corpus lies on disk (one row of :data:`LAYOUTS`)."""

    key: str
    channel: Channel
    container: str                      # "wav" or "avi"
    channels: int                       # channels of most files
    speakers: tuple[SpeakerSpec, ...]   # canonical order
    labels: tuple[Label, ...]
    template: str                       # relative path, str.format fields: see plan()
    priority: tuple[str, ...] = ()      # speaker ids generated first (default: canonical order)
    speaker_multiple: int = 1           # round the speaker count up to a multiple (IEMOCAP pairs)
    items: tuple[Mapping[str, str], ...] | None = None  # per-cell names; None = numbers 1..n
    rotate_items: bool = False          # start each cell's items at a different offset
    required_items: Mapping[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    rewrites: tuple[tuple[str, str], ...] = ()   # (regex, replacement) applied to the path
    mono_every: int | None = None       # every k-th file is mono (EMOVO)
    assign: Callable[[dict[Any, Any], SpeakerSpec, Label, int, np.random.Generator],
                     dict[str, str]] | None = None
    sidecars: Callable[[Path, list[Clip], np.random.Generator], None] | None = None

    @property
    def max_speakers(self) -> int:
        """Real number of speakers (the cap)."""
        return len(self.speakers)


def select_speakers(layout: Layout, count: int) -> list[SpeakerSpec]:
    """The first `count` speakers in priority order (capped), returned in canonical order."""
    count = min(count, layout.max_speakers)
    if layout.speaker_multiple > 1:
        count = min(layout.max_speakers, math.ceil(count / layout.speaker_multiple) * layout.speaker_multiple)
    by_id = {speaker.id: speaker for speaker in layout.speakers}
    order = list(layout.priority) + [s.id for s in layout.speakers if s.id not in layout.priority]
    chosen = set(order[:count])
    return [by_id[speaker_id] for speaker_id in by_id if speaker_id in chosen]


def _cell_items(layout: Layout, speaker: SpeakerSpec, label: Label, count: int,
                offset: int) -> list[dict[str, str]]:
    """Template fields of the `count` utterances of one (speaker, label) cell."""
    if layout.items is None:
        return [{"n": str(i + 1)} for i in range(count)]
    total = len(layout.items)
    count = min(count, total)
    start = offset % total if layout.rotate_items else 0
    order = list(layout.required_items.get((speaker.id, label.code), ()))
    order += [(start + i) % total for i in range(total) if (start + i) % total not in order]
    return [dict(layout.items[i]) for i in sorted(order[:count])]


def plan(layout: Layout, *, seed: int, speakers: int, utterances_per_emotion: int,
         duration_s: tuple[float, float]) -> list[Clip]:
    """Every file of the corpus: relative path, speaker, label, channels, duration.

    Template fields: ``spk`` (speaker id), ``code`` and ``word`` (label), the speaker's own
    fields, the cell item's fields (``n`` = 1-based index when the layout has no items) and
    whatever ``assign`` returns.
    """
    state: dict[Any, Any] = {}
    state_rng = rng_for(seed, layout.key, "layout")
    clips: list[Clip] = []
    low, high = duration_s
    for s_index, speaker in enumerate(select_speakers(layout, speakers)):
        for l_index, label in enumerate(layout.labels):
            for item in _cell_items(layout, speaker, label, utterances_per_emotion, s_index + l_index):
                fields = {"spk": speaker.id, "code": label.code, "word": label.word,
                          **speaker.fields, **item}
                if layout.assign is not None:
                    fields.update(layout.assign(state, speaker, label, len(clips), state_rng))
                relpath = layout.template.format(**fields)
                for pattern, replacement in layout.rewrites:
                    relpath = re.sub(pattern, replacement, relpath)
                channels = layout.channels
                if layout.mono_every and len(clips) % layout.mono_every == layout.mono_every - 1:
                    channels = 1
                duration = float(rng_for(seed, layout.key, relpath, "duration").uniform(low, high))
                clips.append(Clip(relpath, speaker, label, channels, duration, fields))
    if len({clip.relpath for clip in clips}) != len(clips):
        raise AssertionError(f"{layout.key}: planned file names are not unique")
    return clips


# --------------------------------------------------------------------------- IEMOCAP


_IEMOCAP_NAMES = {"ang": "Anger", "hap": "Happiness", "exc": "Excited", "sad": "Sadness",
                  "fea": "Fear", "sur": "Surprise", "dis": "Disgust", "neu": "Neutral",
                  "fru": "Frustration", "oth": "Other"}
_IEMOCAP_VAD = {"ang": (1.5, 4.0, 4.0), "hap": (4.0, 3.0, 3.0), "exc": (4.0, 4.0, 3.5),
                "sad": (1.5, 2.0, 2.0), "fea": (2.0, 3.5, 2.0), "sur": (3.5, 4.0, 3.0),
                "dis": (1.5, 3.0, 3.5), "neu": (3.0, 2.0, 2.5), "fru": (2.0, 3.5, 3.5),
                "oth": (3.0, 3.0, 3.0), "xxx": (2.5, 2.5, 2.5)}
_WORDS = ("well", "okay", "you", "know", "what", "I", "mean", "really", "just", "so", "that's",
          "not", "fine", "here", "it", "is", "right", "now", "yeah", "no", "we", "can", "go")


def _iemocap_assign(state: dict[Any, Any], speaker: SpeakerSpec, label: Label, index: int,
                    rng: np.random.Generator) -> dict[str, str]:
    """Spread a speaker's turns over the session's dialogs; number them per dialog and gender."""
    del label, index, rng
    session = speaker.fields["session"]
    prefix = f"Ses{int(session):02d}"
    dialogs = (f"{prefix}F_impro01", f"{prefix}M_impro02", f"{prefix}F_script01_1",
               f"{prefix}M_script02_2")
    turn = state.setdefault(("turns", speaker.id), [0])
    dialog = dialogs[turn[0] % len(dialogs)]
    turn[0] += 1
    letter = speaker.gender.upper()
    numbers = state.setdefault(("numbers", dialog, letter), [0])
    utt = f"{dialog}_{letter}{numbers[0]:03d}"
    numbers[0] += 1
    return {"dialog": dialog, "utt": utt}


def _evaluator_lines(code: str, speaker_letter: str, rng: np.random.Generator) -> list[str]:
    """IEMOCAP-style evaluator lines for a label code (no majority for `xxx`)."""
    names = list(_IEMOCAP_NAMES.values())
    if code == "xxx":   # no majority: every evaluator says something else
        picks = [str(x) for x in rng.choice(names, 3, replace=False)]
    else:
        other = str(rng.choice([name for name in names if name != _IEMOCAP_NAMES[code]]))
        picks = [_IEMOCAP_NAMES[code], _IEMOCAP_NAMES[code], other]
    lines = [f"C-E{i}:\t{name};\t()" for i, name in zip((1, 2, 4), picks, strict=True)]
    lines.append(f"C-{speaker_letter}1:\t{picks[0]};\t()")
    v, a, d = _IEMOCAP_VAD[code]
    for who in ("A-E1", "A-E2", f"A-{speaker_letter}1"):
        jitter = rng.integers(-1, 2, 3)
        vv, aa, dd = (int(np.clip(round(x) + j, 1, 5)) for x, j in zip((v, a, d), jitter, strict=True))
        lines.append(f"{who}:\tval {vv}; act {aa}; dom  {dd};\t()")
    return lines


def _iemocap_sidecars(root: Path, clips: list[Clip], rng: np.random.Generator) -> None:
    """Per dialog: EmoEvaluation/<dialog>.txt, Categorical/<dialog>_e2_cat.txt, transcriptions."""
    by_dialog: dict[tuple[str, str], list[Clip]] = defaultdict(list)
    for clip in clips:
        by_dialog[(clip.speaker.fields["session"], clip.extra["dialog"])].append(clip)
    for (session, dialog), turns in sorted(by_dialog.items()):
        # Interleave the two speakers' turns by turn number, then lay them out in time.
        turns.sort(key=lambda c: (int(c.extra["utt"][-3:]), c.extra["utt"][-4]))
        cursor = float(rng.uniform(1.0, 5.0))
        blocks, categorical, transcript = [], [], []
        for clip in turns:
            start = cursor + float(rng.uniform(0.3, 2.0))
            end = start + clip.duration_s
            cursor = end
            utt, code = clip.extra["utt"], clip.label.code
            vad = ", ".join(f"{x:.4f}" for x in _IEMOCAP_VAD[code])
            letter = utt[-4]
            blocks.append("\n".join([f"[{start:.4f} - {end:.4f}]\t{utt}\t{code}\t[{vad}]",
                                     *_evaluator_lines(code, letter, rng)]) + "\n")
            name = _IEMOCAP_NAMES.get(code, "Other")
            categorical.append(f"{utt} :{'Neutral state' if name == 'Neutral' else name}; ()")
            words = " ".join(str(w) for w in rng.choice(_WORDS, int(rng.integers(2, 8))))
            transcript.append(f"{utt} [{start:08.4f}-{end:08.4f}]: {words[0].upper()}{words[1:]}.")
        base = root / f"Session{session}" / "dialog"
        evaluation = base / "EmoEvaluation"
        (evaluation / "Categorical").mkdir(parents=True, exist_ok=True)
        (base / "transcriptions").mkdir(parents=True, exist_ok=True)
        header = "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n"
        (evaluation / f"{dialog}.txt").write_text(header + "\n".join(blocks) + "\n", encoding="utf-8")
        (evaluation / "Categorical" / f"{dialog}_e2_cat.txt").write_text(
            "\n".join(categorical) + "\n", encoding="utf-8")
        (base / "transcriptions" / f"{dialog}.txt").write_text("\n".join(transcript) + "\n",
                                                              encoding="utf-8")


# --------------------------------------------------------------------------- AFEW


def _afew_assign(state: dict[Any, Any], speaker: SpeakerSpec, label: Label, index: int,
                 rng: np.random.Generator) -> dict[str, str]:
    """About 3/4 of the clips in Train_AFEW, the rest in Val_AFEW; increasing 9-digit ids."""
    del speaker, label
    state["clip"] = state.get("clip", int(rng.integers(1000, 50000))) + int(rng.integers(1, 200000))
    return {"split": "Val_AFEW" if index % 4 == 3 else "Train_AFEW", "clip": f"{state['clip']:09d}"}


# --------------------------------------------------------------------------- the table


def _labels(rows: str) -> tuple[Label, ...]:
    """Label table rows (one per line, fields separated by spaces) as `Label`s."""
    return tuple(Label(*row.split()) for row in rows.strip().splitlines())


_EMODB_SPEAKERS = tuple(SpeakerSpec(i, g) for i, g in (
    ("03", "m"), ("08", "f"), ("09", "f"), ("10", "m"), ("11", "m"),
    ("12", "m"), ("13", "f"), ("14", "f"), ("15", "m"), ("16", "f")))
_EMODB_TEXTS = ("a01", "a02", "a04", "a05", "a07", "b01", "b02", "b03", "b09", "b10")
_EMOVO_SENTENCES = ("b1", "b2", "b3", "d1", "d2", "l1", "l2", "l3", "l4", "n1", "n2", "n3", "n4", "n5")
_SIX = """
an anger anger
di disgust disgust
fe fear fear
ha happiness happiness
sa sadness sadness
su surprise surprise
"""

LAYOUTS: dict[str, Layout] = {
    "emodb": Layout(
        key="emodb", container="wav", channels=1,
        channel=Channel(16000, "german", (60.0, 7800.0), -66.0),
        speakers=_EMODB_SPEAKERS,
        labels=_labels("""
W anger anger
L boredom boredom
E disgust disgust
A fear fear
F happiness happiness
T sadness sadness
N neutral neutral
"""),
        template="wav/{spk}{text}{code}{version}.wav",
        items=tuple({"text": t, "version": chr(ord("a") + v)} for v in range(26) for t in _EMODB_TEXTS),
        rotate_items=True,
    ),
    "emovo": Layout(
        key="emovo", container="wav", channels=2, mono_every=5,
        channel=Channel(48000, "italian", (80.0, 16000.0), -56.0, reverb_s=0.12, rate_scale=1.05,
                        eq=((6000.0, 5.0, 0.7),)),
        speakers=tuple(SpeakerSpec(i, i[0]) for i in ("f1", "f2", "f3", "m1", "m2", "m3")),
        priority=("f1", "m1", "f2", "m2", "f3", "m3"),
        labels=_labels("""
dis disgust disgust
gio gioia happiness
pau paura fear
rab rabbia anger
sor sorpresa surprise
tri tristezza sadness
neu neutro neutral
"""),
        template="{spk}/{code}-{spk}-{sentence}.wav",
        items=tuple({"sentence": s} for s in _EMOVO_SENTENCES),
        rotate_items=True,
    ),
    "enterface": Layout(
        key="enterface", container="avi", channels=1,
        channel=Channel(16000, "french_english", (200.0, 5000.0), -40.0, reverb_s=0.25, rate_scale=0.95,
                        eq=((2500.0, 8.0, 1.2),)),
        speakers=tuple(SpeakerSpec(str(i)) for i in range(1, 45)),
        priority=("6", "11", "16", "3"),
        labels=_labels(_SIX),
        template="subject {spk}/{word}/sentence {k}/s{spk}_{code}_{k}.avi",
        items=tuple({"k": str(k)} for k in range(1, 6)),
        required_items={("16", "su"): (2,), ("3", "fe"): (1,)},
        rewrites=(
            (r"^subject 6/([^/]+)/sentence \d+/", r"subject 6/\1/"),       # no sentence level
            (r"^(subject 11/.*/)s11_", r"\1s12_"),                         # named after subject 12
            (r"^(subject 16/surprise/sentence 3/s16_su_3)\.avi$", r"\1avi"),  # no dot before avi
            (r"^(subject 3/(?:fear|happiness)/[^/]+/)s3_", r"\1s_3_"),     # s_3_ prefix
        ),
    ),
    "iemocap": Layout(
        key="iemocap", container="wav", channels=1,
        channel=Channel(16000, "american_english", (100.0, 7000.0), -50.0, reverb_s=0.3, rate_scale=1.05,
                        eq=((300.0, 6.0, 1.0), (3000.0, -6.0, 1.0))),
        speakers=tuple(SpeakerSpec(f"Ses{s:02d}{g.upper()}", g, {"session": str(s)})
                       for s in range(1, 6) for g in "fm"),
        speaker_multiple=2,
        labels=_labels(f"""
ang anger anger
hap happiness happiness
exc excited excited
sad sadness sadness
fea fear fear
sur surprise surprise
dis disgust disgust
neu neutral neutral
fru frustration frustration
oth other other
xxx none {AMBIGUOUS}
"""),
        template="Session{session}/sentences/wav/{dialog}/{utt}.wav",
        assign=_iemocap_assign,
        sidecars=_iemocap_sidecars,
    ),
    "afew": Layout(
        key="afew", container="avi", channels=2,
        channel=Channel(48000, "american_english", (300.0, 6000.0), -38.0, reverb_s=0.4,
                        music_dbfs=-30.0, rate_scale=1.1, eq=((1200.0, 4.0, 0.8),)),
        speakers=tuple(SpeakerSpec(f"actor{i:03d}") for i in range(1, 201)),
        labels=_labels("""
an Angry anger
di Disgust disgust
fe Fear fear
ha Happy happiness
ne Neutral neutral
sa Sad sadness
su Surprise surprise
"""),
        template="{split}/{word}/{clip}.avi",
        assign=_afew_assign,
    ),
    "rml": Layout(
        key="rml", container="avi", channels=1,
        channel=Channel(22050, "multilingual", (150.0, 6000.0), -46.0, reverb_s=0.15, hum_dbfs=-36.0,
                        eq=((4000.0, 8.0, 1.5),)),
        # the public release's two parts: rml-1 holds s1..s5, rml-2 holds s6..s8
        speakers=tuple(SpeakerSpec(str(i), "", {"lang": {5: "mandarin/", 6: "urdu/"}.get(i, ""),
                                                "part": "1" if i <= 5 else "2"})
                       for i in range(1, 9)),
        priority=("1", "5", "6"),
        labels=_labels(_SIX),
        template="rml-{part}/s{spk}/{lang}{code}{n}.avi",
    ),
}
