"""Running calls: `ivr serve` (the FastAGI controller) and `ivr agi` (one call over classic AGI)."""
