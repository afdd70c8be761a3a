"""Keeps the table's aggregates exact from its stream (see handler.py for the overview)."""
