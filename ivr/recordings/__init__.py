"""Consented call recordings: finalize a MixMonitor file into a row, search,
export, audit and purge them. Nothing here touches Asterisk."""

# What `ivr recordings export --to` and the console offer (ivr/recordings/export.py).
EXPORT_FORMATS = ("wav", "mp3", "ogg")
