"""AFEW (Acted Facial Expressions in the Wild): `Train_AFEW/<Emotion>/*.avi` and `Val_AFEW/...`.

AFEW clips come from movies; the corpus does not identify speakers, so `speaker` is left empty.
"""

import re

from sertransfer.corpora.base import CorpusSpec

CORPUS = CorpusSpec(
    key="afew",
    display_name="AFEW",
    root_markers=("Train_AFEW", "Val_AFEW"),
    audio_globs=("Train_AFEW/*/*", "Val_AFEW/*/*"),
    path_pattern=re.compile(r"(?P<subset>Train|Val)_AFEW/(?P<label>[^/]+)/(?P<clip>[^/]+)\.avi", re.IGNORECASE),
    label_map={"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "happiness",
               "neutral": "neutral", "sad": "sadness", "surprise": "surprise"},
    obtain=("AFEW (Dhall et al., 2012) is licensed: request it from the EmotiW organisers\n"
            "  https://sites.google.com/site/emotiwchallenge/\n"
            "and place `Train_AFEW/<Emotion>/*.avi` and `Val_AFEW/<Emotion>/*.avi` in the folder."),
)
