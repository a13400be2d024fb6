"""Baselines on IS10 features (SPEC §8): SVM-IS (`svm_is`) and the Adaptive SVM (`source`, `asvm`)."""
