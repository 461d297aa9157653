"""Tests of single passes, through the code they generate: one module per pass of ``srcdiff/passes/``."""
