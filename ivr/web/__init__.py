"""`ivr web`: the ops console (FastAPI, server-rendered pages) over the
recordings, the call log and the handle-time reports."""
