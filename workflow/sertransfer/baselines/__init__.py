"""Baselines on IS10 features (docs/design.md §9): SVM-IS (`svm_is`) and the Adaptive SVM (`source`, `asvm`)."""
