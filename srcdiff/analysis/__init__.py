"""Analyses of a function's syntax tree, read by every pass and written by none.

- ``defuse``: which names a statement binds and reads, where the assignments are;
- ``normal_form``: the vocabulary of the normal form that ``passes/normalize`` writes;
- ``activity``: which values depend on the inputs being differentiated and which operation each statement is;
- ``shapes``: which names are known to hold values of one shape;
- ``aliasing``: which names may share memory, and where an update through one is seen through another;
- ``effects``: which calls are known to be pure.
"""
