"""The AGI protocol: a sans-IO codec and the servers that wrap it."""
