"""The tables' printed column names, their one home: the tables write them, and the claims, the landing page,
the run summary and the figures compare against them. Imports nothing of the tables, so a rule that only reads
a column name is not rerun by an edit of a table's code."""

from __future__ import annotations

from sertransfer.vocabulary import TT_APPROACH

#: Table 2's columns, in the paper's order (also the systems of the cross-corpus matrix).
SVM_IS_COLUMN, CNN_COLUMN, CNN_LSTM_COLUMN = "SVM-IS", "CNN", "CNN+LSTM"
TABLE2_COLUMNS = (SVM_IS_COLUMN, CNN_COLUMN, CNN_LSTM_COLUMN)
#: The column of each target's TT row in Table 3.
TT_COLUMN = TT_APPROACH
#: Table 5's Adaptive SVM column.
ASVM_COLUMN = "Adaptive SVM"
