"""eNTERFACE'05: `subject N/<emotion>/sentence K/sN_xx_K.avi`, audio inside AVI files.

Real irregularities handled by the pattern: subject 6 has no `sentence K` level, subject 11's
files are named `s12_*`, one file is `s16_su_3avi` (no dot), some start `s_3_`. The speaker is
therefore taken from the `subject N` folder and the label from the emotion folder, never from
the file name.
"""

import re

from sertransfer.corpora.base import CorpusSpec

CORPUS = CorpusSpec(
    key="enterface",
    display_name="eNTERFACE",
    root_markers=("subject *",),
    audio_globs=("subject */**/*",),
    path_pattern=re.compile(
        r"subject (?P<speaker>\d+)/(?P<label>[^/]+)/(?:sentence \d+/)?(?P<clip>[^/]+?)\.?avi", re.IGNORECASE),
    label_map={"anger": "anger", "disgust": "disgust", "fear": "fear", "happiness": "happiness",
               "sadness": "sadness", "surprise": "surprise"},
    speaker_format="subject{speaker}",
    obtain=("eNTERFACE'05 audio-visual emotion database (Martin et al., 2006), public:\n"
            "  http://www.enterface.net/enterface05/docs/results/databases/project2_database.zip\n"
            "Extract it so that the folder holds `subject 1/anger/sentence 1/s1_an_1.avi` etc."),
)
