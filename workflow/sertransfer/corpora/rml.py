"""RML (Ryerson Multimedia Lab): speaker folders s1..s8 (some with a language subfolder), `an1.avi`."""

import re

from sertransfer.corpora.base import CorpusSpec

SPEC = CorpusSpec(
    key="rml",
    display_name="RML",
    root_markers=("s[1-8]",),
    audio_globs=("s*/**/*",),
    # first two letters of the clip name are the emotion code
    path_pattern=re.compile(r"(?P<speaker>s\d+)/(?:(?P<language>[^/]+)/)?(?P<label>[a-z]{2})[^/]*\.avi",
                            re.IGNORECASE),
    label_map={"an": "anger", "di": "disgust", "fe": "fear", "ha": "happiness", "sa": "sadness",
               "su": "surprise"},
    obtain=("RML emotion database (Ryerson Multimedia Lab), public for research:\n"
            "  http://www.rml.ryerson.ca/rml-emotion-database.html (also mirrored as a GitHub release)\n"
            "Place the speaker folders `s1` ... `s8` (with their `*.avi` clips) in the folder."),
)
