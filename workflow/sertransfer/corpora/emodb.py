"""Emo-DB (Berlin Database of Emotional Speech): `wav/03a01Fa.wav`."""

import re

from sertransfer.corpora.base import CorpusSpec

CORPUS = CorpusSpec(
    key="emodb",
    display_name="Emo-DB",
    root_markers=("wav",),
    audio_globs=("wav/*",),
    # chars 0-1 speaker, 2-4 text, 5 emotion letter, 6 version
    path_pattern=re.compile(r"wav/(?P<speaker>\d\d)(?P<text>[a-z]\d\d)(?P<label>[A-Za-z])(?P<version>[a-z]?)\.wav",
                            re.IGNORECASE),
    label_map={"w": "anger", "l": "boredom", "e": "disgust", "a": "fear", "f": "happiness", "t": "sadness",
               "n": "neutral"},
    speaker_genders={"03": "m", "08": "f", "09": "f", "10": "m", "11": "m", "12": "m", "13": "f", "14": "f",
                     "15": "m", "16": "f"},
    obtain=("Emo-DB (Burkhardt et al., 2005), free for research: download\n"
            "  http://emodb.bilderbar.info/download/download.zip\n"
            "and extract it so that the folder holds `wav/03a01Fa.wav` etc."),
)
