"""Consented call recordings: finalize a MixMonitor file into a row, search,
export, audit and purge them. Nothing here touches Asterisk."""
