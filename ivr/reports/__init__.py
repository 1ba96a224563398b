"""Ops reports over the call log: handle times, menu funnel, billing minutes.

Each report is a function (engine, filters) -> list of frozen dataclass rows;
`output.render` turns rows into a table, JSON, CSV or a PNG chart, and
`command` is the `ivr report` subcommand.
"""
