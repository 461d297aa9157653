"""The compiler's passes, each one concern: normal form, activity analysis, reverse mode, optimisation."""
