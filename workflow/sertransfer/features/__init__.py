"""Feature caches: the network's 54,000-sample waveforms and the IS10 functionals (docs/design.md §4)."""
