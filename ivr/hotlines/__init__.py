"""Hotlines: many clients numbers on one engine (model, number patterns, loading)."""
