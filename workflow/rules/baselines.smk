# Baselines stage: SVM-IS (Table 2) and the Adaptive SVM (Table 5) on IS10 features.
