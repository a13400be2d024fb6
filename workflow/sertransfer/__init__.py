"""Reproducible pipeline for 'Learning Transferable Features for Speech Emotion Recognition'."""

__version__ = "0.1.0"
