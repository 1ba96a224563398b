"""Accounts, tariffs and billing rules: loading them and looking them up for a call."""
