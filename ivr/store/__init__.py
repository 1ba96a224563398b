"""The database: models, the engine, and the call log."""
