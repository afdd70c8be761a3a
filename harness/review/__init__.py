"""Reviewing a change before it applies: plan summaries, policy checks over plan JSON, lint."""
