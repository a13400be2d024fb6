"""EMOVO (Italian): `<spk>/<emo>-<spk>-<sentence>.wav`, speakers f1..f3, m1..m3."""

import re

from sertransfer.corpora.base import CorpusSpec

CORPUS = CorpusSpec(
    key="emovo",
    display_name="EMOVO",
    root_markers=("f1", "f2", "f3", "m1", "m2", "m3"),
    audio_globs=("*/*",),
    path_pattern=re.compile(r"(?P<speaker>(?P<gender>[fm])\d)/(?P<label>[a-z]+)-[^/-]+-(?P<sentence>[^/]+)\.wav",
                            re.IGNORECASE),
    label_map={"dis": "disgust", "gio": "happiness", "pau": "fear", "rab": "anger", "sor": "surprise",
               "tri": "sadness", "neu": "neutral"},
    obtain=("EMOVO (Costantini et al., 2014), distributed by Fondazione Ugo Bordoni as EMOVO.zip:\n"
            "  http://voice.fub.it/activities/corpora/emovo/index.html\n"
            "Extract it so that the folder holds `f1/dis-f1-b1.wav` ... `m3/...`."),
)
