"""The handle-time report's summary: additive sums per UTC hour, queue and agent.

Why. A year's report by queue or agent read every handle_times row of the year (1 M rows:
one GROUP BY of ~1 s, more with callbacks). The sums of an hour do not change once its
calls are in, so they are kept, per (UTC hour, queue, agent), in `report_hours`
(migration 0015), and a report sums those instead (a year: ~160 k summary rows for 606 k
detail rows, fewer per row as the volume grows).

What a summary row holds (ivr/store/models.py ReportHour): `part` 0 the figures of the
handle_times rows of callers on the line that entered the queue in the hour, computed by
the detail report's own expressions (ivr/reports/store.py `_figures`, `_on_the_line`);
`part` 1 the answered callbacks whose request time is in the hour (`_callback_figures`),
stored as the increments the detail report's `_plus` adds. Counts, sums of seconds, the
longest wait, and the count answered within the service-level threshold the summary was
built for (`report_summary.service_level_s`).

Kept up to date. Every write that changes what an hour sums marks the hour in
`report_dirty_hours` in its own transaction (ivr/store/report_marks.py lists them: a
handle_times row landing, a callback attempt stored or finished, including a late callback
answered for an old hour). Before a report reads the summary, a refresh recomputes the
marked hours (DELETE + INSERT ... SELECT ... GROUP BY, per run of consecutive hours) and
clears the marks it read, and only those: a mark committed meanwhile stays for the next
refresh. Refreshes are serialized by an UPDATE of the one `report_summary` row (SQLite:
the write lock, taken first). `ivr report rebuild` recomputes every hour for the
configured threshold: needed once (the migration leaves the summary unbuilt, and the reports
read the detail rows until it is built), after a change of `queues.service_level_s`, and
after rows were written around the engine's writers (a bulk import, a hand edit).

When a report reads it (store.py `summary_figures`; otherwise the detail rows, as before):
the summary is built for the report's threshold; the window's ends are whole UTC hours (or
open); the grouping is queue, agent, hour or day with no hotline or client filter (those
are the calls', which the summary does not carry); for hours and days, the zone's offsets
over the data are whole hours and change on whole UTC hours (every zone of tzdata today but
a few, like Asia/Kolkata or Australia/Adelaide, which fall back to the detail rows).
Then every figure equals the detail report's: the same counts and maxima, the same sums up
to the order floating-point additions are done in (< 1 µs on a year; the rows are stored in
milliseconds). The wait percentiles still come from the detail rows: PostgreSQL's
`percentile_cont`; on SQLite the index walk of ivr/reports/store.py over every answered row,
callback legs included (an index-only read), corrected by the few legs' own waits (store.py
`_rank_value` says how), so that no row has to be read for its unique_id.
"""
