"""Imported by sibling.py as a plain module of its folder."""

OFFSET = 2.0
