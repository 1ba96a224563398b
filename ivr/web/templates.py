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
 .num{text-align:right} .pager a{margin-right:1.5em} .hint{color:#666;font-size:90%} .filters input{width:9em} .err{color:#a00} .ok{color:#060}
 img.wave{max-width:100%;border:1px solid #ddd}
</style></head><body>
{% if session and not wall %}<nav><a href="/live">Live</a><a href="/recordings">Recordings</a><a href="/dashboard">Handle times</a>
<a href="/calls">Calls</a><a href="/audit">Audit log</a>{% if session.is_admin %}<a href="/purge">Purge</a>{% endif %}
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
{% for name in extra %}<label>{{ name|capitalize|replace('_', ' ') }} {% if choices and name in choices %}<select name="{{ name }}" id="f-{{ name }}">
<option value="">any</option>{% for o in choices[name] %}<option{% if q[name] == o %} selected{% endif %}>{{ o }}</option>{% endfor %}</select>
{%- else %}<input name="{{ name }}" value="{{ q[name] or '' }}">{% endif %}</label>
{% endfor %}<button id="search">Search</button></form>
{% if error %}<p class="err">{{ error }}</p>{% endif %}"""

RECORDINGS = """{% extends "base.html" %}{% block main %}<h1>Recordings</h1>
{% with extra=["caller", "queue", "agent", "min_duration", "policy", "hotline"] %}{% include "filters.html" %}{% endwith %}
<p class="hint">Policy: how the call's hotline records (explicit: the caller was asked and said yes;
announced: told, and did not object; explicit includes calls from before hotlines).</p>
<table id="recordings"><tr><th>ID</th><th>Started (UTC)</th><th>Caller</th><th>Queue</th><th>Agent</th>
<th>Hotline</th><th>Policy</th><th class="num">Duration</th><th>Play</th><th></th></tr>
{% for r in rows %}<tr data-unique-id="{{ r.unique_id }}"><td>{{ r.id }}</td>
<td>{{ r.started_at.strftime('%Y-%m-%d %H:%M:%S') }}</td><td>{{ r.caller_id }}</td><td>{{ r.queue }}</td>
<td>{{ r.agent }}</td><td class="hotline">{{ r.hotline or '-' }}</td><td class="policy">{{ r.recording_policy or '-' }}</td><td class="num">{{ '%.1f'|format(r.duration_s) }} s{% if r.state == 'repaired' %}
<span class="state" title="WAV header never finalized; rewritten from the file size">repaired</span>{% endif %}</td>
<td><audio controls preload="none" src="/media/{{ r.id }}"></audio></td>
<td><a href="/recordings/{{ r.id }}">details</a> · <a href="/calls/{{ r.unique_id|urlencode }}">call</a></td></tr>
{% else %}<tr><td colspan="10">No recordings match.</td></tr>{% endfor %}</table>{% include "pager.html" %}{% endblock %}"""

PAGER = """<p class="pager">{% if newer %}<a id="prev" rel="prev" href="?{{ newer }}">&larr; newer</a>{% endif %}
{% if older %}<a id="next" rel="next" href="?{{ older }}">older &rarr;</a>{% endif %}</p>"""

CALLS = """{% extends "base.html" %}{% block main %}<h1>Calls</h1>
{% with extra=["caller", "called", "outcome", "hotline", "client"] %}{% include "filters.html" %}{% endwith %}
<p class="hint">Times in UTC. Caller, called and outcome match exactly, or as a prefix ending in *
(<code>+48600*</code>, <code>queue:*</code>); hotline and client exactly.</p>
<table id="calls"><tr><th>Started (UTC)</th><th>Caller</th><th>Called</th><th>Hotline</th><th class="num">Duration</th>
<th>Language</th><th>Digits</th><th>Outcome</th><th>Consent</th></tr>
{% for c in rows %}<tr data-unique-id="{{ c.unique_id }}"><td><a href="/calls/{{ c.unique_id|urlencode }}">
{{ c.started_at.strftime('%Y-%m-%d %H:%M:%S') }}</a></td><td>{{ c.caller_id }}</td><td>{{ c.called }}</td>
<td class="hotline">{{ c.hotline or '-' }}</td>
<td class="num">{% if c.ended_at %}{{ '%.0f'|format((c.ended_at - c.started_at).total_seconds()) }} s{% endif %}</td>
<td>{{ c.language }}</td><td>{{ c.digits }}</td><td class="outcome">{{ c.outcome }}</td>
<td>{% if c.consent is none %}-{% elif c.consent %}yes{% else %}no{% endif %}</td></tr>
{% else %}<tr><td colspan="9">No calls match.</td></tr>{% endfor %}</table>
{% include "pager.html" %}{% endblock %}"""

RECORDING = """{% extends "base.html" %}{% block main %}<h1>Recording {{ r.id }}</h1>
<table><tr><th>Call</th><td><a href="/calls/{{ r.unique_id|urlencode }}">{{ r.unique_id }}</a></td></tr>
<tr><th>Caller</th><td>{{ r.caller_id }}</td></tr><tr><th>Queue</th><td>{{ r.queue }}</td></tr>
<tr><th>Agent</th><td>{{ r.agent }}</td></tr><tr><th>Hotline</th><td>{{ r.hotline or '-' }}</td></tr>
<tr><th>Recording policy</th><td>{{ r.recording_policy or '-' }}</td></tr><tr><th>Started (UTC)</th><td>{{ r.started_at }}</td></tr>
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
<tr><th>Hotline</th><td id="hotline">{{ c.hotline or '-' }}{% if c.client %} ({{ c.client }}){% endif %}</td></tr>
<tr><th>Recording policy</th><td id="policy">{{ c.recording_policy or '-' }}</td></tr>
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
{% with extra=["hotline", "queue", "by"] %}{% include "filters.html" %}{% endwith %}
{% if title %}<h2 id="report-title">{{ title }}</h2>{% endif %}
{% if note %}<p class="hint" id="zone-note">{{ note }}</p>{% endif %}
{% if chart %}<p><img id="chart" alt="handle-time chart" src="/dashboard/chart.png?{{ query }}"></p>{% endif %}
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

LIVE = """{% extends "base.html" %}{% block title %}Live queues{% endblock %}{% block main %}
<style>
 body{background:#111;color:#eee} main{padding:.6em 1.2em} h1{margin:.2em 0;font-size:1.6em}
 #banner{display:none;background:#a60;color:#fff;font-size:1.6em;padding:.3em .6em;margin:.3em 0}
 #banner.on{display:block} .stale .tile{opacity:.45}
 #tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(30em,1fr));gap:1em}
 .tile{background:#263238;border-radius:.4em;padding:.6em 1em;border-left:1.2em solid #2e7d32}
 .tile.amber{border-left-color:#f9a825} .tile.red{border-left-color:#c62828;background:#3a1f1f}
 .tile h2{font-size:2.4em;margin:0} .big{display:flex;gap:2em;align-items:baseline}
 .big div{font-size:1.3em} .big b{display:block;font-size:4.2em;line-height:1;font-variant-numeric:tabular-nums}
 .counts,.today{font-size:1.5em;margin:.3em 0} .counts span,.today span{margin-right:1em;white-space:nowrap}
 table.agents{width:100%;font-size:1.25em;margin:.3em 0} table.agents td{border-bottom:1px solid #37474f;padding:.15em .3em}
 .state{font-weight:bold;padding:0 .4em;border-radius:.2em}
 .s-available{background:#2e7d32} .s-in-call{background:#1565c0} .s-ringing{background:#6a1b9a}
 .s-paused{background:#e65100} .s-wrap-up{background:#00695c} .s-unavailable{background:#555}
 form.act{display:inline} form.act input{width:8em} button{font-size:1em}
 .wall main{padding:.4em .8em} .wall #tiles{grid-template-columns:repeat(auto-fit,minmax(28em,1fr))}
 .wall .tile{font-size:1.15em} #toolbar{float:right;font-size:1.1em} #toolbar a{color:#9cf}
</style>
<div id="root" class="{{ 'wall' if wall else '' }}">
<div id="toolbar"><span id="clock"></span> <button id="fullscreen">Full screen</button>
{% if not wall %}<a href="/live?wall=1">wall view</a>{% endif %}</div>
<h1>Queues now</h1>
<div id="banner"></div>
<div id="tiles"></div>
{% if session.is_admin and not wall %}<p id="admin-note">Actions: pause or unpause an agent (with a reason),
log a dynamic agent in or out of a queue. Each is written to the audit log.</p>{% endif %}
</div>
<script id="initial" type="application/json">{{ initial|safe }}</script>
<script>
(function(){
const T = {{ thresholds|safe }};
const ADMIN = {{ 'true' if (session.is_admin and not wall) else 'false' }};
const CSRF = {{ session.csrf|tojson }};
let snap = JSON.parse(document.getElementById('initial').textContent), got = Date.now(), last = Date.now();
const root = document.getElementById('root'), tiles = document.getElementById('tiles'), banner = document.getElementById('banner');
function el(tag, attrs, text){const e=document.createElement(tag);for(const k in (attrs||{}))e.setAttribute(k,attrs[k]);if(text!==undefined)e.textContent=text;return e;}
function mmss(s){s=Math.max(0,Math.floor(s));return Math.floor(s/60)+':'+String(s%60).padStart(2,'0');}
function pct(x){return x===null||x===undefined?'–':Math.round(x*100)+'%';}
function level(q, longest){
  const sl=q.today.service_level;
  if(longest>=T.wait_red||q.waiting>=T.waiting_red||(sl!==null&&sl<T.sl_red))return 'red';
  if(longest>=T.wait_amber||q.waiting>=T.waiting_amber||(sl!==null&&sl<T.sl_amber))return 'amber';
  return 'ok';
}
function actionForm(fields, label, withReason){
  const f=el('form',{class:'act',method:'post',action:'/live/agent'});
  f.appendChild(el('input',{type:'hidden',name:'csrf',value:CSRF}));
  for(const k in fields)f.appendChild(el('input',{type:'hidden',name:k,value:fields[k]}));
  if(withReason)f.appendChild(el('input',{name:'reason',placeholder:'reason','aria-label':'reason'}));
  const b=el('button',{type:'submit',class:'do-'+fields.action},label);f.appendChild(b);
  f.addEventListener('submit',ev=>{ev.preventDefault();post(f);});
  return f;
}
function loginForm(queue){
  const f=el('form',{class:'act login',method:'post',action:'/live/agent'});
  f.appendChild(el('input',{type:'hidden',name:'csrf',value:CSRF}));
  f.appendChild(el('input',{type:'hidden',name:'action',value:'login'}));
  f.appendChild(el('input',{type:'hidden',name:'queue',value:queue}));
  f.appendChild(el('input',{name:'interface',placeholder:'PJSIP/alice','aria-label':'interface'}));
  f.appendChild(el('input',{name:'name',placeholder:'name','aria-label':'name'}));
  f.appendChild(el('button',{type:'submit',class:'do-login'},'Log in agent'));
  f.addEventListener('submit',ev=>{ev.preventDefault();post(f);});
  return f;
}
async function post(f){
  const r=await fetch('/live/agent',{method:'POST',body:new FormData(f),headers:{'Accept':'application/json'},credentials:'same-origin'});
  let m={};try{m=await r.json();}catch(e){m={message:r.statusText};}
  if(!r.ok)alert('Not done: '+(m.message||m.detail||r.status));
}
function render(){
  const elapsed=(Date.now()-got)/1000;
  root.classList.toggle('stale', !!snap.stale);
  banner.classList.toggle('on', !!snap.stale);
  banner.textContent = snap.stale ? 'STALE: '+(snap.note||'no data from Asterisk')+(snap.stale_since?' (since '+new Date(snap.stale_since*1000).toLocaleTimeString()+')':'') : '';
  const frag=document.createDocumentFragment();
  for(const q of snap.queues){
    const live = snap.stale?0:elapsed, longest = q.waiting? q.longest_wait_s+live : 0;
    const t=el('section',{class:'tile '+level(q,longest),'data-queue':q.name});
    t.appendChild(el('h2',{},q.name));
    const big=el('div',{class:'big'});
    const w=el('div',{},'waiting'); w.prepend(el('b',{class:'waiting'},String(q.waiting)));
    const l=el('div',{},'longest wait'); l.prepend(el('b',{class:'longest'},mmss(longest)));
    const a=el('div',{},'available'); a.prepend(el('b',{class:'available'},String(q.available)));
    big.append(w,l,a); t.appendChild(big);
    const c=el('div',{class:'counts'});
    for(const [k,label] of [['logged_in','logged in'],['in_call','on a call'],['ringing','ringing'],['paused','paused'],['wrapup','wrap-up']])
      c.appendChild(el('span',{class:'n-'+k},q[k]+' '+label));
    t.appendChild(c);
    const d=q.today, td=el('div',{class:'today'});
    for(const [k,v] of [['offered',d.offered],['answered',d.answered],['abandoned',d.abandoned],['SL',pct(d.service_level)],['ASA',d.asa_s===null?'–':mmss(d.asa_s)]])
      td.appendChild(el('span',{class:'t-'+k},'today '+k+' '+v));
    t.appendChild(td);
    const tb=el('table',{class:'agents'});
    for(const ag of q.agents){
      const tr=el('tr',{'data-interface':ag.interface});
      tr.appendChild(el('td',{},ag.name));
      const st=el('td'); st.appendChild(el('span',{class:'state s-'+ag.state},ag.state+(ag.reason?' ('+ag.reason+')':'')+(ag.state==='paused'&&ag.in_call?' · on a call':''))); tr.appendChild(st);
      if(ADMIN){const x=el('td');
        if(ag.paused)x.appendChild(actionForm({action:'unpause',queue:q.name,interface:ag.interface},'Unpause'));
        else x.appendChild(actionForm({action:'pause',queue:q.name,interface:ag.interface},'Pause',true));
        if(ag.dynamic)x.appendChild(actionForm({action:'logout',queue:q.name,interface:ag.interface},'Log out'));
        tr.appendChild(x);}
      tb.appendChild(tr);
    }
    t.appendChild(tb);
    if(ADMIN)t.appendChild(loginForm(q.name));
    frag.appendChild(t);
  }
  // keep what an admin is typing: redraw the tiles only when no input has focus
  const a=document.activeElement;
  if(a&&a.tagName==='INPUT'&&tiles.contains(a))return;
  tiles.replaceChildren(frag);
}
let es=null;
function connect(){
  if(es)es.close();
  es=new EventSource('/live/events');
  es.addEventListener('state',ev=>{snap=JSON.parse(ev.data);got=Date.now();last=Date.now();render();});
  es.onerror=()=>{ if(es.readyState===EventSource.CLOSED){setTimeout(connect,2000);} };
}
connect();
setInterval(()=>{ // tick the waits; reconnect when the console went quiet (restarted, network)
  document.getElementById('clock').textContent=new Date().toLocaleTimeString();
  if(Date.now()-last>{{ 3 * 5 * 1000 }}){last=Date.now();connect();}
  tick();
},1000);
function tick(){
  const elapsed=snap.stale?0:(Date.now()-got)/1000;
  for(const q of snap.queues){
    const t=tiles.querySelector('section[data-queue="'+CSS.escape(q.name)+'"]'); if(!t)continue;
    const longest=q.waiting?q.longest_wait_s+elapsed:0;
    t.querySelector('.longest').textContent=mmss(longest);
    t.className='tile '+level(q,longest);
  }
}
document.getElementById('fullscreen').addEventListener('click',()=>{
  if(!location.search.includes('wall=1')){location.href='/live?wall=1#fs';return;}
  document.documentElement.requestFullscreen&&document.documentElement.requestFullscreen();
});
if(location.hash==='#fs')document.body.addEventListener('click',()=>document.documentElement.requestFullscreen&&document.documentElement.requestFullscreen(),{once:true});
render();
})();
</script>{% endblock %}"""

ERROR = """{% extends "base.html" %}{% block main %}<h1>{{ code }}</h1><p class="err">{{ message }}</p>{% endblock %}"""

env = Environment(
    loader=DictLoader({"base.html": BASE, "login.html": LOGIN, "filters.html": FILTERS,
                       "recordings.html": RECORDINGS, "pager.html": PAGER, "calls.html": CALLS, "recording.html": RECORDING, "audit.html": AUDIT,
                       "audit_table.html": AUDIT_TABLE, "call.html": CALL, "dashboard.html": DASHBOARD,
                       "purge.html": PURGE, "error.html": ERROR, "live.html": LIVE}),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def render(name: str, **values) -> str:
    return env.get_template(name).render(**values)
