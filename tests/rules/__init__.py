"""Per-rule gradient tests: one module per file of ``srcdiff/rules/``."""
