"""Menus: the model read from config.yaml, validation, the interpreter and its driver."""
