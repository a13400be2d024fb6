"""Speech-like synthetic audio: glottal pulses through formant resonators, emotion prosody, channel.

A clip is built as follows (everything vectorised with numpy/scipy, all randomness from one
``numpy.random.Generator`` so a clip is a pure function of its seed):

1. a syllable plan (syllable rate and pauses from the emotion, vowels from the domain's
   language-like formant set);
2. an f0 contour in semitones (declination, per-syllable accents, a final rise for surprise)
   on top of the speaker's f0 scaled by the emotion, creaky stretches at half f0;
3. a Rosenberg glottal-flow pulse train (per-pulse jitter and shimmer, open quotient from the
   emotion), differentiated for lip radiation, plus aspiration noise gated by the flow;
4. a one-pole spectral-tilt low-pass (from the emotion), then a cascade of 2nd-order formant
   resonators F1-F5 that change per syllable, plus fricative-like onset noise;
5. the domain channel: room reverberation, microphone colouring, band-pass, vocal-effort
   saturation and peak normalisation to the emotion's level, a random recording gain per take (up to
   12 dB down, so that a clip's level does not give its emotion away), then additive background (white
   noise, mains hum, music bed) and, for stereo corpora, a second slightly delayed channel.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import signal

# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Prosody:
    """Emotion-dependent speaking style (one row of :data:`PROSODY`)."""

    f0_scale: float      # multiplier of the speaker's f0
    f0_range_st: float   # per-syllable accent amplitude, semitones
    slope_st: float      # declination over the utterance, semitones
    final_rise_st: float  # rise over the last 40 % of the utterance, semitones
    rate_hz: float       # syllables per second
    peak: float          # target peak amplitude (energy), 0.5-0.9
    tilt_hz: float       # cut-off of the spectral-tilt low-pass (high = flat tilt)
    jitter: float        # relative s.d. of the glottal period
    shimmer: float       # relative s.d. of the pulse amplitude
    creak: float         # probability that a syllable is creaky (half f0, irregular)
    breath: float        # aspiration noise relative to the voiced source
    pause: float         # probability of a pause after a syllable
    open_quotient: float  # glottal open quotient (low = tense, bright voice)
    drive: float         # vocal effort: tanh saturation that lowers the crest factor


#: One row per speaking style. The six target emotions plus every non-target source label
#: that the corpora carry (neutral, boredom, IEMOCAP's excited/frustrated/other).
PROSODY: dict[str, Prosody] = {
    #                    f0    rng  slope rise  rate  peak  tilt   jit    shim  creak breath pause OQ  drive
    "neutral":     Prosody(1.00, 2.0, -2.0, 0.0, 4.5, 0.65, 1500, 0.006, 0.04, 0.02, 0.05, 0.12, 0.60, 0.7),
    "anger":       Prosody(1.35, 3.0, -1.0, 0.0, 5.8, 0.90, 7000, 0.012, 0.06, 0.00, 0.02, 0.06, 0.40, 3.0),
    "disgust":     Prosody(0.82, 2.5, -3.0, 0.0, 3.2, 0.60, 900, 0.015, 0.10, 0.45, 0.06, 0.20, 0.55, 0.6),
    "fear":        Prosody(1.55, 2.0, 0.0, 0.0, 6.2, 0.62, 1400, 0.040, 0.09, 0.00, 0.14, 0.18, 0.65, 1.0),
    "happiness":   Prosody(1.30, 6.0, -1.0, 0.0, 5.0, 0.80, 3000, 0.008, 0.05, 0.00, 0.04, 0.10, 0.50, 1.5),
    "sadness":     Prosody(0.85, 1.0, -3.0, 0.0, 3.0, 0.50, 350, 0.010, 0.06, 0.10, 0.14, 0.25, 0.75, 0.2),
    "surprise":    Prosody(1.40, 4.0, 0.0, 7.0, 5.0, 0.75, 2500, 0.008, 0.05, 0.00, 0.06, 0.10, 0.55, 1.2),
    "boredom":     Prosody(0.90, 0.7, -1.5, 0.0, 3.5, 0.55, 600, 0.008, 0.05, 0.15, 0.08, 0.18, 0.68, 0.4),
    "excited":     Prosody(1.40, 6.5, -0.5, 0.0, 5.8, 0.85, 4000, 0.010, 0.06, 0.00, 0.05, 0.08, 0.48, 2.0),
    "frustration": Prosody(1.15, 2.5, -1.5, 0.0, 5.0, 0.75, 3000, 0.010, 0.06, 0.05, 0.05, 0.10, 0.50, 1.8),
    "other":       Prosody(1.05, 3.0, -1.0, 1.0, 4.8, 0.65, 2000, 0.008, 0.05, 0.03, 0.06, 0.12, 0.58, 0.8),
}

#: Each take's recording level varies (microphone distance, gain) by up to this many dB below the style's
#: level, so that the level of a clip does not give its emotion away (the effort stays in the spectrum).
RECORDING_GAIN_RANGE_DB = 12.0

#: Style drawn at random per clip for labels without agreement (IEMOCAP ``xxx``).
AMBIGUOUS = "ambiguous"
_AMBIGUOUS_POOL = ("neutral", "frustration", "anger", "sadness", "happiness", "excited")
STYLES: tuple[str, ...] = (*PROSODY, AMBIGUOUS)

#: Language-like vowel sets, (F1, F2, F3) in Hz for an adult male vocal tract.
FORMANT_SETS: dict[str, tuple[tuple[float, float, float], ...]] = {
    "german": ((280, 2250, 2900), (280, 1800, 2200), (400, 2100, 2700), (550, 1850, 2550),
               (750, 1300, 2500), (420, 800, 2500), (300, 750, 2300), (400, 1500, 2300)),
    "italian": ((290, 2300, 3000), (380, 2050, 2650), (520, 1850, 2550), (780, 1300, 2400),
                (560, 900, 2450), (420, 780, 2450), (310, 720, 2350)),
    "french_english": ((300, 2200, 2900), (300, 1750, 2150), (380, 2000, 2550), (380, 1600, 2300),
                       (700, 1400, 2500), (400, 850, 2400), (320, 800, 2300), (500, 1450, 2450)),
    "american_english": ((270, 2290, 3010), (390, 1990, 2550), (530, 1840, 2480), (660, 1720, 2410),
                         (520, 1190, 2390), (730, 1090, 2440), (570, 840, 2410), (440, 1020, 2240),
                         (300, 870, 2240), (490, 1350, 1690)),
    "multilingual": ((800, 1300, 2600), (300, 2350, 3100), (350, 650, 2500), (480, 1150, 2600),
                     (450, 2100, 2750), (470, 850, 2600)),
}
_FORMANT_BANDWIDTHS = (80.0, 100.0, 140.0, 250.0, 300.0)
_HIGH_FORMANTS = (3500.0, 4500.0)


@dataclass(frozen=True)
class Channel:
    """Domain-dependent recording channel (one row per corpus)."""

    sample_rate: int
    formants: str                 # key of FORMANT_SETS
    band_hz: tuple[float, float]  # band-pass cut-offs
    noise_dbfs: float             # white background noise level
    reverb_s: float = 0.0         # T60 of a synthetic room (0 = dry)
    hum_dbfs: float | None = None   # mains hum (50 Hz and odd harmonics)
    music_dbfs: float | None = None  # sustained-chord music bed (film soundtrack)
    rate_scale: float = 1.0       # domain speaking-rate habit
    eq: tuple[tuple[float, float, float], ...] = ()  # microphone colouring: (Hz, dB, Q) peaks


@dataclass(frozen=True)
class Speaker:
    """Speaker-dependent voice parameters."""

    f0_hz: float
    formant_scale: float
    rate_scale: float
    open_quotient_shift: float


# --------------------------------------------------------------------------- randomness


def rng_for(*parts: object) -> np.random.Generator:
    """A Generator seeded from the sha256 of the parts (stable across processes and machines)."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode("utf-8")).digest()
    return np.random.default_rng(np.frombuffer(digest, dtype="<u4").astype(np.uint64))


def make_speaker(gender: str, rng: np.random.Generator) -> Speaker:
    """Draw a voice: male about 110 Hz, female about 210 Hz, plus per-speaker offsets."""
    female = gender == "f"
    f0 = (210.0 if female else 110.0) * float(np.exp(rng.normal(0.0, 0.08)))
    scale = (1.15 if female else 1.0) * float(np.exp(rng.normal(0.0, 0.03)))
    return Speaker(f0_hz=f0, formant_scale=scale, rate_scale=float(np.exp(rng.normal(0.0, 0.06))),
                   open_quotient_shift=float(rng.normal(0.0, 0.03)))


# --------------------------------------------------------------------------- filters


@lru_cache(maxsize=64)
def _bandpass(low: float, high: float, sample_rate: int) -> np.ndarray:
    """Second-order Butterworth band-pass, as second-order sections."""
    high = min(high, 0.45 * sample_rate)
    return signal.butter(2, [low, high], btype="bandpass", fs=sample_rate, output="sos")


@lru_cache(maxsize=16)
def _highpass(cutoff: float, sample_rate: int) -> np.ndarray:
    """Second-order Butterworth high-pass, as second-order sections."""
    return signal.butter(2, cutoff, btype="highpass", fs=sample_rate, output="sos")


@lru_cache(maxsize=64)
def _peaking(freq: float, gain_db: float, q: float, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """RBJ peaking-equaliser biquad."""
    amp = 10 ** (gain_db / 40.0)
    w0 = 2.0 * np.pi * freq / sample_rate
    alpha = np.sin(w0) / (2.0 * q)
    b = np.array([1 + alpha * amp, -2 * np.cos(w0), 1 - alpha * amp])
    a = np.array([1 + alpha / amp, -2 * np.cos(w0), 1 - alpha / amp])
    return b / a[0], a / a[0]


def _resonator(freq: float, bandwidth: float, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Klatt 2nd-order resonator with unity gain at DC."""
    r = np.exp(-np.pi * bandwidth / sample_rate)
    b1 = 2.0 * r * np.cos(2.0 * np.pi * freq / sample_rate)
    b2 = -r * r
    return np.array([1.0 - b1 - b2]), np.array([1.0, -b1, -b2])


def _rosenberg(phase: np.ndarray, open_quotient: float) -> np.ndarray:
    """Rosenberg glottal flow over the period phase in [0, 1)."""
    opening = 0.65 * open_quotient
    closing = 0.35 * open_quotient
    flow = np.zeros_like(phase)
    rising = phase < opening
    flow[rising] = 0.5 * (1.0 - np.cos(np.pi * phase[rising] / opening))
    falling = (~rising) & (phase < opening + closing)
    flow[falling] = np.cos(0.5 * np.pi * (phase[falling] - opening) / closing)
    return flow


def _window(length: int, attack: float, decay: float) -> np.ndarray:
    """Raised-cosine attack and decay (fractions of the length) around a flat top."""
    env = np.ones(length)
    a = max(1, int(length * attack))
    d = max(1, int(length * decay))
    env[:a] = 0.5 - 0.5 * np.cos(np.pi * np.arange(a) / a)
    env[length - d:] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(d) / d)
    return env


# --------------------------------------------------------------------------- synthesis


def _plan_syllables(rng: np.random.Generator, style: Prosody, rate: float, duration: float,
                    vowels: int) -> list[tuple[float, float, int, float, bool, float]]:
    """(start, length, vowel, accent_st, creaky, onset_length) per syllable, in seconds."""
    start = rng.uniform(0.04, 0.12)
    stop = duration - rng.uniform(0.04, 0.12)
    plan: list[tuple[float, float, int, float, bool, float]] = []
    t = start
    while True:
        length = rng.uniform(0.75, 1.25) / rate
        if t + 0.6 * length > stop:
            break
        length = min(length, stop - t)
        accent = style.f0_range_st * rng.uniform(0.3, 1.0) * (1.0 if rng.random() < 0.8 else -0.6)
        onset = rng.uniform(0.02, 0.06) if rng.random() < 0.6 else 0.0
        plan.append((t, length, int(rng.integers(vowels)), accent, bool(rng.random() < style.creak),
                     min(onset, 0.3 * length)))
        t += length
        if rng.random() < style.pause:
            t += rng.uniform(0.08, 0.22)
    if not plan:
        plan.append((start, max(stop - start, 0.05), int(rng.integers(vowels)), 0.0, False, 0.0))
    return plan


#: Prosody fields that scale multiplicatively (their expressiveness is taken on a log scale).
_LOG_FIELDS = ("f0_scale", "rate_hz", "tilt_hz", "drive")
#: Valid ranges of the prosody fields after scaling.
_LIMITS = {"peak": (0.45, 0.9), "creak": (0.0, 0.9), "breath": (0.0, 0.5), "pause": (0.0, 0.6),
           "open_quotient": (0.3, 0.85), "jitter": (0.0, 0.08), "shimmer": (0.0, 0.3), "f0_range_st": (0.2, 12.0)}


def expressed(style: Prosody, expressiveness: float) -> Prosody:
    """A style exaggerated (> 1) or toned down (< 1) around neutral speech: each field's distance to neutral
    scaled by `expressiveness` (on a log scale for f0, rate, tilt and effort), kept within valid ranges."""
    if expressiveness == 1.0:
        return style
    neutral, fields = PROSODY["neutral"], {}
    for name in Prosody.__dataclass_fields__:
        value, base = getattr(style, name), getattr(neutral, name)
        if name in _LOG_FIELDS:
            scaled = float(np.exp(np.log(base) + expressiveness * (np.log(value) - np.log(base))))
        else:
            scaled = base + expressiveness * (value - base)
        low, high = _LIMITS.get(name, (-np.inf, np.inf))
        fields[name] = float(np.clip(scaled, low, high))
    return Prosody(**fields)


def synthesize(style_name: str, speaker: Speaker, channel: Channel, duration_s: float,
               channels: int, rng: np.random.Generator, expressiveness: float = 1.0) -> np.ndarray:
    """One clip as int16 samples shaped (frames, channels) at ``channel.sample_rate``.

    `expressiveness` exaggerates (> 1) or tones down (< 1) every emotion's prosody around neutral speech.
    """
    if style_name == AMBIGUOUS:
        style_name = _AMBIGUOUS_POOL[int(rng.integers(len(_AMBIGUOUS_POOL)))]
    style = expressed(PROSODY[style_name], expressiveness)
    sr = channel.sample_rate
    n = max(round(duration_s * sr), 16)
    duration = n / sr
    t = np.arange(n) / sr

    # Per-utterance variation of the style.
    rate = style.rate_hz * speaker.rate_scale * channel.rate_scale * rng.uniform(0.9, 1.1)
    f0_base = speaker.f0_hz * style.f0_scale * float(np.exp(rng.normal(0.0, 0.04)))
    peak = float(np.clip(style.peak * rng.uniform(0.95, 1.05), 0.45, 0.9))
    tilt_hz = style.tilt_hz * float(np.exp(rng.normal(0.0, 0.12)))
    open_quotient = float(np.clip(style.open_quotient + speaker.open_quotient_shift, 0.3, 0.85))

    formant_set = FORMANT_SETS[channel.formants]
    plan = _plan_syllables(rng, style, rate, duration, len(formant_set))

    # Envelopes and f0 contour (semitones relative to f0_base).
    voicing = np.zeros(n)
    onset_env = np.zeros(n)
    creak = np.zeros(n, dtype=bool)
    semitones = style.slope_st * t / duration
    semitones += style.final_rise_st * np.clip((t / duration - 0.6) / 0.4, 0.0, 1.0) ** 2
    semitones += 0.3 * np.sin(2 * np.pi * rng.uniform(0.2, 0.6) * t + rng.uniform(0, 2 * np.pi))
    bounds = []
    for start, length, _vowel, accent, creaky, onset in plan:
        s0 = int(start * sr)
        s1 = min(int((start + length) * sr), n)
        v0 = min(s0 + int(onset * sr), s1 - 1)
        bounds.append(s0)
        if s1 - v0 < 4:
            continue
        voicing[v0:s1] = _window(s1 - v0, 0.2, 0.3)
        if v0 > s0:
            onset_env[s0:v0] = _window(v0 - s0, 0.3, 0.3)
        semitones[s0:s1] += accent * np.sin(np.pi * np.linspace(0.0, 1.0, s1 - s0))
        creak[s0:s1] = creaky
    f0 = f0_base * 2.0 ** (semitones / 12.0)
    f0[creak] *= 0.5

    # Glottal pulse times from the phase of the f0 contour, then per-pulse jitter.
    phase = np.cumsum(f0) / sr
    pulses = np.searchsorted(phase, np.arange(1.0, phase[-1])) / sr
    periods = np.diff(pulses, prepend=0.0)
    jitter = np.where(creak[np.minimum((pulses * sr).astype(int), n - 1)], 0.08, style.jitter)
    pulses = pulses + np.clip(rng.normal(0.0, 1.0, pulses.size) * jitter, -0.3, 0.3) * periods
    pulses = np.concatenate(([-1.0 / f0_base], np.sort(pulses), [duration + 1.0 / f0_base]))
    index = np.searchsorted(pulses, t, side="right") - 1
    period = pulses[index + 1] - pulses[index]
    flow = _rosenberg((t - pulses[index]) / period, open_quotient)
    flow *= 1.0 + style.shimmer * rng.normal(0.0, 1.0, pulses.size)[index]

    source = np.diff(flow, prepend=0.0)
    source /= np.sqrt(np.mean(source ** 2)) + 1e-12
    source += style.breath * rng.normal(0.0, 1.0, n) * (0.25 + flow)
    source *= voicing
    if tilt_hz < 0.45 * sr:
        a = np.exp(-2.0 * np.pi * tilt_hz / sr)
        source = signal.lfilter([1.0 - a], [1.0, -a], source)

    # Formant cascade, coefficients switched per syllable with the filter state carried over.
    speech = np.empty(n)
    states = [np.zeros(2) for _ in range(5)]
    edges = [0, *bounds[1:], n]
    for syllable, lo, hi in zip(plan, edges[:-1], edges[1:], strict=True):
        vowel = syllable[2]
        if hi <= lo:
            continue
        wobble = rng.uniform(0.95, 1.05, 3)
        freqs = [f * speaker.formant_scale * w for f, w in zip(formant_set[vowel], wobble, strict=True)]
        freqs += [f * speaker.formant_scale for f in _HIGH_FORMANTS]
        segment = source[lo:hi]
        for k, (freq, bw) in enumerate(zip(freqs, _FORMANT_BANDWIDTHS, strict=True)):
            if freq >= 0.45 * sr:
                continue
            b, a_coef = _resonator(freq, bw * speaker.formant_scale, sr)
            segment, states[k] = signal.lfilter(b, a_coef, segment, zi=states[k])
        speech[lo:hi] = segment
    voiced = speech[voicing > 0.5]
    if voiced.size:
        speech /= np.sqrt(np.mean(voiced ** 2)) + 1e-12
    fricative = signal.sosfilt(_highpass(min(3000.0, 0.3 * sr), sr), rng.normal(0.0, 1.0, n))
    speech += 0.35 * min(1.0, tilt_hz / 3000.0) ** 0.5 * onset_env * fricative

    # Channel: room, band limit, level, background.
    if channel.reverb_s > 0:
        taps = int(channel.reverb_s * sr)
        tail = rng.normal(0.0, 1.0, taps) * np.exp(-6.9 * np.arange(taps) / taps)
        tail *= 0.35 / (np.sqrt(np.sum(tail ** 2)) + 1e-12)
        tail[0] = 1.0
        speech = signal.fftconvolve(speech, tail)[:n]
    for freq, gain_db, q in channel.eq:
        speech = signal.lfilter(*_peaking(freq, gain_db, q, sr), speech)
    speech = signal.sosfilt(_bandpass(*channel.band_hz, sr), speech)
    speech /= np.max(np.abs(speech)) + 1e-12
    drive = max(style.drive, 0.05)
    speech = np.tanh(drive * speech) * (peak / np.tanh(drive))
    speech *= 10 ** (-rng.uniform(0.0, RECORDING_GAIN_RANGE_DB) / 20)  # the recording level of this take

    out = np.empty((n, channels))
    for c in range(channels):
        voice = speech if c == 0 else np.roll(speech, 3 + c) * rng.uniform(0.85, 1.0)
        out[:, c] = voice + 10 ** (channel.noise_dbfs / 20) * rng.normal(0.0, 1.0, n)
    if channel.hum_dbfs is not None:
        hum = np.zeros(n)
        for harmonic in (1, 3, 5):
            hum += np.sin(2 * np.pi * 50.0 * harmonic * t) / harmonic
        out += 10 ** (channel.hum_dbfs / 20) * hum[:, None]
    if channel.music_dbfs is not None:
        chord = 110.0 * 2 ** (rng.choice(np.arange(12), 3, replace=False) / 12.0)
        bed = np.zeros(n)
        for freq in chord:
            bed += np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi))
        bed *= 0.6 + 0.4 * np.sin(2 * np.pi * rng.uniform(0.1, 0.5) * t)
        pan = rng.uniform(0.5, 1.0, channels)
        out += 10 ** (channel.music_dbfs / 20) * bed[:, None] * pan[None, :]
    return np.clip(np.round(out * 32767.0), -32768, 32767).astype(np.int16)
