"""RML (Ryerson Multimedia Lab): speaker folders s1..s8 (some with a language subfolder), `an1.avi`.

The public release comes in two parts, `rml-1/` (s1..s5) and `rml-2/` (s6..s8); a root holding the
parts, or the speaker folders directly, is accepted. The speaker is always the `sN` folder.
"""

import re

from sertransfer.corpora.base import CorpusSpec

CORPUS = CorpusSpec(
    key="rml",
    display_name="RML",
    root_markers=("s[1-8]", "*/s[1-8]"),
    audio_globs=("s*/**/*", "*/s*/**/*"),
    # optional release part, speaker, optional language folder; the clip name's first two letters: the emotion
    path_pattern=re.compile(r"(?:(?P<part>[^/]+)/)?(?P<speaker>s\d+)/(?:(?P<language>[^/]+)/)?"
                            r"(?P<label>[a-z]{2})[^/]*\.avi", re.IGNORECASE),
    label_map={"an": "anger", "di": "disgust", "fe": "fear", "ha": "happiness", "sa": "sadness",
               "su": "surprise"},
    obtain=("RML emotion database (Ryerson Multimedia Lab), public for research:\n"
            "  http://www.rml.ryerson.ca/rml-emotion-database.html (also mirrored as a GitHub release)\n"
            "Place its two parts `rml-1/` (s1 ... s5) and `rml-2/` (s6 ... s8), or the speaker folders `s1` ... `s8`\n"
            "themselves (with their `*.avi` clips), in the folder."),
)
