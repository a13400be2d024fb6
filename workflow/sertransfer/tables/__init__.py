"""The paper's tables as tidy CSV, booktabs LaTeX and comparisons with the reported numbers."""
