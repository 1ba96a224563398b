"""The console's pages as Jinja templates (kept in code, so an installed
package needs no data files). Autoescaped: every value is text."""

from __future__ import annotations

from jinja2 import DictLoader, Environment, select_autoescape

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{% block title %}IVR console{% endblock %}</title>
<style>
 body{font:14px system-ui,sans-serif;margin:0;color:#222} main{padding:1em 2em}
 nav{background:#234;padding:.6em 2em;color:#fff} nav a{color:#fff;margin-right:1.2em}
 nav form{display:inline;float:right} table{border-collapse:collapse;margin:.8em 0}
 td,th{border-bottom:1px solid #ddd;padding:.3em .7em;text-align:left} th{background:#f4f4f4}
 .num{text-align:right} .filters input{width:9em} .err{color:#a00} .ok{color:#060}
 img.wave{max-width:100%;border:1px solid #ddd}
</style></head><body>
{% if session %}<nav><a href="/recordings">Recordings</a><a href="/dashboard">Handle times</a>
<a href="/audit">Audit log</a>{% if session.is_admin %}<a href="/purge">Purge</a>{% endif %}
<form method="post" action="/logout"><input type="hidden" name="csrf" value="{{ session.csrf }}">
{{ session.user }} ({{ session.role }}) <button>Log out</button></form></nav>{% endif %}
<main>{% block main %}{% endblock %}</main></body></html>"""

LOGIN = """{% extends "base.html" %}{% block main %}<h1>IVR console</h1>
{% if error %}<p class="err" id="login-error">{{ error }}</p>{% endif %}
<form method="post" action="/login"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="next" value="{{ next }}">
<p><label>User <input name="username" autocomplete="username" autofocus></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password"></label></p>
<p><button id="login">Log in</button></p></form>{% endblock %}"""

FILTERS = """<form class="filters" method="get">
<label>Since <input name="since" value="{{ q.since or '' }}" placeholder="2026-11-01"></label>
<label>Until <input name="until" value="{{ q.until or '' }}"></label>
{% for name in extra %}<label>{{ name|capitalize|replace('_', ' ') }} <input name="{{ name }}" value="{{ q[name] or '' }}"></label>
{% endfor %}<button id="search">Search</button></form>
{% if error %}<p class="err">{{ error }}</p>{% endif %}"""

RECORDINGS = """{% extends "base.html" %}{% block main %}<h1>Recordings</h1>
{% with extra=["caller", "queue", "agent", "min_duration"] %}{% include "filters.html" %}{% endwith %}
<table id="recordings"><tr><th>ID</th><th>Started (UTC)</th><th>Caller</th><th>Queue</th><th>Agent</th>
<th class="num">Duration</th><th>Play</th><th></th></tr>
{% for r in rows %}<tr data-unique-id="{{ r.unique_id }}"><td>{{ r.id }}</td>
<td>{{ r.started_at.strftime('%Y-%m-%d %H:%M:%S') }}</td><td>{{ r.caller_id }}</td><td>{{ r.queue }}</td>
<td>{{ r.agent }}</td><td class="num">{{ '%.1f'|format(r.duration_s) }} s{% if r.state == 'repaired' %}
<span class="state" title="WAV header never finalized; rewritten from the file size">repaired</span>{% endif %}</td>
<td><audio controls preload="none" src="/media/{{ r.id }}"></audio></td>
<td><a href="/recordings/{{ r.id }}">details</a> · <a href="/calls/{{ r.unique_id|urlencode }}">call</a></td></tr>
{% else %}<tr><td colspan="8">No recordings match.</td></tr>{% endfor %}</table>{% endblock %}"""

RECORDING = """{% extends "base.html" %}{% block main %}<h1>Recording {{ r.id }}</h1>
<table><tr><th>Call</th><td><a href="/calls/{{ r.unique_id|urlencode }}">{{ r.unique_id }}</a></td></tr>
<tr><th>Caller</th><td>{{ r.caller_id }}</td></tr><tr><th>Queue</th><td>{{ r.queue }}</td></tr>
<tr><th>Agent</th><td>{{ r.agent }}</td></tr><tr><th>Started (UTC)</th><td>{{ r.started_at }}</td></tr>
<tr><th>Duration</th><td>{{ '%.1f'|format(r.duration_s) }} s</td></tr><tr><th>Size</th><td>{{ r.size_bytes }} bytes</td></tr>
<tr><th>State</th><td id="state">{{ r.state }}{% if r.state == 'empty' %}: the file holds no audio (a header only,
or nothing){% elif r.state == 'repaired' %}: the WAV header was never finalized (Asterisk stopped mid-call) and
was rewritten from the file size; the audio is as recorded{% endif %}</td></tr>
<tr><th>SHA-256</th><td><code>{{ r.sha256 }}</code></td></tr></table>
{% if r.state != 'empty' %}<p><img class="wave" alt="waveform" src="/media/{{ r.id }}/waveform.png"></p>
<p><audio id="player" controls preload="none" src="/media/{{ r.id }}"></audio></p>
<p><a id="download" href="/media/{{ r.id }}/download">Download WAV</a></p>
<form id="export" method="post" action="/recordings/{{ r.id }}/export">
<input type="hidden" name="csrf" value="{{ session.csrf }}">
<label>Export as <select name="fmt">{% for f in formats %}<option>{{ f }}</option>{% endfor %}</select></label>
<button id="export-button">Export</button></form>{% else %}<p id="empty">Empty recording: nothing to play or export.</p>{% endif %}
<h2>Audit</h2>{% include "audit_table.html" %}{% endblock %}"""

AUDIT_TABLE = """<table id="audit"><tr><th>At (UTC)</th><th>Who</th><th>Action</th><th>Call</th><th>Detail</th></tr>
{% for a in audit %}<tr><td>{{ a.at.strftime('%Y-%m-%d %H:%M:%S') }}</td><td>{{ a.actor }}</td>
<td class="action">{{ a.action }}</td><td>{{ a.unique_id }}</td><td>{{ a.detail }}</td></tr>
{% else %}<tr><td colspan="5">Nothing yet.</td></tr>{% endfor %}</table>"""

AUDIT = """{% extends "base.html" %}{% block main %}<h1>Audit log</h1>
{% with extra=["call"] %}{% include "filters.html" %}{% endwith %}
{% include "audit_table.html" %}{% endblock %}"""

CALL = """{% extends "base.html" %}{% block main %}<h1>Call {{ c.unique_id }}</h1>
<table><tr><th>Caller</th><td>{{ c.caller_id }}</td></tr><tr><th>Called</th><td>{{ c.called }}</td></tr>
<tr><th>Started</th><td>{{ c.started_at }}</td></tr><tr><th>Ended</th><td>{{ c.ended_at }}</td></tr>
<tr><th>Language</th><td>{{ c.language }}</td></tr><tr><th>Outcome</th><td>{{ c.outcome }}</td></tr>
<tr><th>Consent</th><td id="consent">{% if c.consent is none %}never asked{% elif c.consent %}yes{% else %}no{% endif %}
{% if c.consent_at %} at {{ c.consent_at }}{% endif %}</td></tr>
<tr><th>Path</th><td id="path">{{ (c.path or [])|join(' › ') }}</td></tr></table>
{% if recording %}<p><a href="/recordings/{{ recording.id }}">Recording {{ recording.id }}</a></p>{% endif %}
<h2>Queue</h2><table id="queue-times"><tr><th>Queue</th><th>Agent</th><th>Outcome</th><th class="num">Wait</th>
<th class="num">Ring</th><th class="num">Talk</th><th class="num">Wrap-up</th></tr>
{% for q in queue_rows %}<tr><td>{{ q.queue }}</td><td>{{ q.agent }}</td><td>{{ q.outcome }}</td>
<td class="num">{{ '%.1f'|format(q.wait_s) }} s</td><td class="num">{{ '%.1f'|format(q.ring_s) }} s</td>
<td class="num">{{ '%.1f'|format(q.talk_s) }} s</td><td class="num">{{ '%.1f'|format(q.wrapup_s) }} s</td></tr>
{% else %}<tr><td colspan="7">Not queued.</td></tr>{% endfor %}</table>
<h2>Steps</h2><table id="steps"><tr><th>At</th><th>Node</th><th>Action</th><th>Digits</th><th>Detail</th></tr>
{% for s in c.steps or [] %}<tr><td>{{ s.at }}</td><td>{{ s.node }}</td><td>{{ s.action }}</td><td>{{ s.digits }}</td>
<td>{{ s.detail }}</td></tr>{% endfor %}</table>{% endblock %}"""

DASHBOARD = """{% extends "base.html" %}{% block main %}<h1>Handle times</h1>
{% with extra=["queue", "by"] %}{% include "filters.html" %}{% endwith %}
<p><img id="chart" alt="handle-time chart" src="/dashboard/chart.png?{{ query }}"></p>
<table id="handle-times"><tr>{% for f in fields %}<th>{{ f }}</th>{% endfor %}</tr>
{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table>{% endblock %}"""

PURGE = """{% extends "base.html" %}{% block main %}<h1>Purge (retention {{ days }} days)</h1>
{% if done is not none %}<p class="ok" id="purged">Deleted {{ done }} recording(s).</p>{% endif %}
<p>Recordings started before {{ plan.cutoff.strftime('%Y-%m-%d %H:%M') }} UTC: {{ plan.items|length }}.</p>
<table id="plan"><tr><th>ID</th><th>Started</th><th>Caller</th><th>Call</th></tr>
{% for r in plan.items %}<tr><td>{{ r.id }}</td><td>{{ r.started_at }}</td><td>{{ r.caller_id }}</td>
<td>{{ r.unique_id }}</td></tr>{% endfor %}</table>
{% if plan.items %}<form method="post" action="/purge"><input type="hidden" name="csrf" value="{{ session.csrf }}">
<button id="purge">Delete these {{ plan.items|length }} recording(s)</button></form>{% endif %}{% endblock %}"""

ERROR = """{% extends "base.html" %}{% block main %}<h1>{{ code }}</h1><p class="err">{{ message }}</p>{% endblock %}"""

env = Environment(
    loader=DictLoader({"base.html": BASE, "login.html": LOGIN, "filters.html": FILTERS,
                       "recordings.html": RECORDINGS, "recording.html": RECORDING, "audit.html": AUDIT,
                       "audit_table.html": AUDIT_TABLE, "call.html": CALL, "dashboard.html": DASHBOARD,
                       "purge.html": PURGE, "error.html": ERROR}),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def render(name: str, **values) -> str:
    return env.get_template(name).render(**values)
