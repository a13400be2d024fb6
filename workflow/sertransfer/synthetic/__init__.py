"""Deterministic demo corpora in the real on-disk layout of the six corpora (docs/design.md §13).

``generate_corpus(key, root, seed=..., speakers=..., utterances_per_emotion=...,
duration_s=(min, max))`` writes one corpus: the layout comes from :mod:`.layouts` (one table row
per corpus), the audio from :mod:`.speech` (glottal source, formants, emotion prosody, domain
channel), AVI containers from :mod:`.avi`. Every file is a pure function of
(seed, key, relative path), so a rerun is byte-identical.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import soundfile

from sertransfer.atomic import atomic_directory
from sertransfer.synthetic.avi import write_avi
from sertransfer.synthetic.layouts import LAYOUTS, Clip, Layout, plan
from sertransfer.synthetic.speech import STYLES, Speaker, make_speaker, rng_for, synthesize
from sertransfer.vocabulary import CORPUS_LAYOUTS

#: The six corpus keys (the vocabulary's layouts: the demo generates each one).
CORPUS_KEYS: tuple[str, ...] = CORPUS_LAYOUTS

__all__ = ["CORPUS_KEYS", "generate_corpus", "plan_corpus"]


def _check(key: str, speakers: int, utterances_per_emotion: int, duration_s: tuple[float, float]) -> Layout:
    """The layout of corpus `key`, after checking the generation settings."""
    if key not in LAYOUTS:
        raise ValueError(f"unknown corpus key {key!r}; expected one of {', '.join(CORPUS_KEYS)}")
    if int(speakers) < 1 or int(utterances_per_emotion) < 1:
        raise ValueError("speakers and utterances_per_emotion must be at least 1")
    low, high = (float(x) for x in duration_s)
    if not 0 < low <= high:
        raise ValueError(f"duration_s must be (min, max) with 0 < min <= max, got {duration_s!r}")
    return LAYOUTS[key]


def plan_corpus(key: str, *, seed: int, speakers: int, utterances_per_emotion: int,
                duration_s: tuple[float, float]) -> list[Clip]:
    """The files `generate_corpus` would write (relative path, speaker, label, channels, duration)."""
    layout = _check(key, speakers, utterances_per_emotion, duration_s)
    low, high = (float(x) for x in duration_s)
    return plan(layout, seed=seed, speakers=int(speakers),
                utterances_per_emotion=int(utterances_per_emotion), duration_s=(low, high))


def _voice(layout: Layout, seed: int, clip: Clip, cache: dict[str, Speaker]) -> Speaker:
    """The synthetic voice of a clip's speaker (drawn once per speaker, seeded)."""
    speaker = clip.speaker
    if speaker.id not in cache:
        gender = speaker.gender
        if not gender:  # unknown in the corpus: draw one (mostly male, as in eNTERFACE)
            gender = "f" if rng_for(seed, layout.key, "gender", speaker.id).random() < 0.35 else "m"
        cache[speaker.id] = make_speaker(gender, rng_for(seed, layout.key, "speaker", speaker.id))
    return cache[speaker.id]


def generate_corpus(key: str, root: Path, *, seed: int, speakers: int, utterances_per_emotion: int,
                    duration_s: tuple[float, float], style_map: Mapping[str, str] | None = None,
                    expressiveness: float = 1.0) -> int:
    """Write the demo corpus `key` (one of emodb, emovo, enterface, iemocap, afew, rml) under `root`
    (must not exist; built atomically via atomic_directory); return the number of audio files written.

    `speakers` is capped at the corpus's real speaker count (IEMOCAP: rounded up to whole
    sessions of two), `utterances_per_emotion` (per speaker and source label) at the number of
    distinct texts/sentences where the corpus has a fixed set (Emo-DB 260, EMOVO 14,
    eNTERFACE 5). Every source label gets utterances, also those the pipeline drops. `style_map`
    changes how a label is spoken (its speaking style: a row of `speech.PROSODY`), e.g. a domain whose
    culture voices anger as the others voice sadness. `expressiveness` scales every emotion's distance
    from neutral speech (actors who exaggerate: > 1).
    """
    unknown = sorted(set((style_map or {}).values()) - set(STYLES))
    if unknown:
        raise ValueError(f"synthetic.style_map names unknown speaking styles {unknown}; known: {sorted(STYLES)}")
    styles = dict(style_map or {})
    clips = plan_corpus(key, seed=seed, speakers=speakers,
                        utterances_per_emotion=utterances_per_emotion, duration_s=duration_s)
    layout = LAYOUTS[key]
    sample_rate = layout.channel.sample_rate
    voices: dict[str, Speaker] = {}
    with atomic_directory(Path(root)) as temporary:
        os.chmod(temporary, 0o755)
        for clip in clips:
            path = temporary / clip.relpath
            path.parent.mkdir(parents=True, exist_ok=True)
            samples = synthesize(styles.get(clip.label.style, clip.label.style), _voice(layout, seed, clip, voices),
                                 layout.channel,
                                 clip.duration_s, clip.channels, rng_for(seed, key, clip.relpath, "audio"),
                                 expressiveness=expressiveness)
            if layout.container == "avi":
                write_avi(path, samples, sample_rate)
            else:
                soundfile.write(str(path), np.ascontiguousarray(samples), sample_rate,
                                subtype="PCM_16", format="WAV")
        if layout.sidecars is not None:
            layout.sidecars(temporary, clips, rng_for(seed, key, "sidecars"))
    return len(clips)
