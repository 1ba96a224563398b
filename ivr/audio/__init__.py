"""Audio files: placeholder speech and conversion to what Asterisk plays best."""
