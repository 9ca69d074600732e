// Shared by every workbench page: the header (navigation, the clock control, the current user),
// and small helpers. The clock and the user live on the server and in localStorage respectively.
export const user = () => localStorage.getItem('sla-desk-user') || 'agent';

export async function api(path, body, method) {
  const res = await fetch(path, body === undefined ? { method: method || 'GET' } : { method: method || 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await res.json();
  if (!res.ok) throw Object.assign(new Error(data.error || res.statusText), { problems: data.problems || [] });
  return data;
}

export const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const PAGES = [['/', 'Tickets'], ['/policy.html', 'Policy'], ['/report.html', 'Report'], ['/jira-report.html', 'Jira report'], ['/marketplace.html', 'Marketplace']];
const SHIFTS = [['−1d', -1440], ['−1h', -60], ['+15m', 15], ['+1h', 60], ['+4h', 240], ['+1d', 1440]];

/** Draws the header; onChange runs after the clock or the user changes. */
export async function header(onChange) {
  const el = document.createElement('header');
  const here = location.pathname;
  el.innerHTML = `<h1>SLA Desk workbench</h1><nav>${PAGES.map(([href, label]) => `<a href="${href}" class="${href === here ? 'here' : ''}">${label}</a>`).join('')}</nav>
    <label>Signed in as <select id="user"><option value="agent">Lea (agent)</option><option value="lead">Sam (triage lead)</option></select></label>
    <div class="clock" data-testid="clock"><output id="now"></output><form id="clock-at" class="clock-at"><label>Set (UTC) <input type="datetime-local" id="clock-date" data-testid="clock-date" required step="60"></label><button type="submit">Set</button><span id="clock-error" class="error-inline" role="alert"></span></form>${SHIFTS.map(([label, m]) => `<button data-shift="${m}">${label}</button>`).join('')}<button data-reset="1" title="Back to the desk's start">Reset</button></div>`;
  document.body.prepend(el);
  const sel = el.querySelector('#user');
  sel.value = user();
  sel.onchange = () => {
    localStorage.setItem('sla-desk-user', sel.value);
    onChange && onChange();
  };
  // The agents of the sample desk work in Toronto: the clock reads as they see it, and in UTC.
  const toronto = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/Toronto', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const show = (iso) => {
    el.querySelector('#now').textContent = `${toronto.format(new Date(iso))} Toronto · ${new Date(iso).toISOString().slice(11, 16)} UTC`;
    el.querySelector('#clock-date').value = new Date(iso).toISOString().slice(0, 16);
  };
  const form = el.querySelector('#clock-at');
  form.onsubmit = async (e) => {
    e.preventDefault();
    const err = el.querySelector('#clock-error');
    err.textContent = '';
    const v = el.querySelector('#clock-date').value;
    // The server checks the instant too; this names the mistake before the round trip.
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v)) return void (err.textContent = 'expected a date and time, like 2026-11-20T15:00');
    try {
      const r = await api('/api/clock', { at: `${v}:00Z` });
      show(r.clock);
      onChange && onChange();
    } catch (x) {
      err.textContent = x.message;
    }
  };
  el.querySelectorAll('.clock button[data-shift], .clock button[data-reset]').forEach((b) => {
    b.onclick = async () => {
      const r = await api('/api/clock', b.dataset.reset ? { reset: true } : { shiftMinutes: Number(b.dataset.shift) });
      show(r.clock);
      onChange && onChange();
    };
  });
  show((await api('/api/clock')).clock);
}

/**
 * The reply box of a ticket page: `send(text, isPublic, as)` posts it, then the page reloads. `as`
 * is who writes: "agent" (the signed-in user) or the customer's side; a customer's comment is
 * always public, so the box says so.
 */
export function wireReply(send, reload) {
  const as = document.getElementById('reply-as');
  const pub = document.getElementById('reply-public');
  if (as) {
    as.onchange = () => {
      pub.disabled = as.value !== 'agent';
      if (pub.disabled) pub.checked = true;
    };
  }
  document.getElementById('reply').onsubmit = async (e) => {
    e.preventDefault();
    const body = document.getElementById('reply-body');
    const err = document.getElementById('reply-error');
    err.textContent = '';
    try {
      await send(body.value, pub.checked, as ? as.value : 'agent');
      body.value = '';
      await reload();
    } catch (x) {
      err.textContent = x.message;
    }
  };
}

export function showError(target, e) {
  target.innerHTML = `<div class="error" role="alert">${esc(e.message)}${(e.problems || []).map((p) => `\n• ${esc(p)}`).join('')}</div>`;
}

const toronto = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/Toronto', weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const when = (iso) => (iso ? `${toronto.format(new Date(iso))} Toronto` : '—');

/**
 * The card "Rule and escalation ladder" of a ticket page, from the server's view of the decision:
 * the rule that matched, the ticket's level, and each Metric's ladder, its levels reached or ahead
 * (with the instant each comes at while the clock runs).
 */
export function drawLadder(target, sla) {
  if (!sla) return void (target.innerHTML = '<p class="muted">No decision: the app has no policy.</p>');
  const r = sla.rule;
  const rule = r
    ? `Rule ${r.number}${r.name ? ` (${esc(r.name)})` : ''} matched${r.tier ? `: tier ${esc(sla.tier.label)}` : ''}${r.targets.length ? `; its own Targets for ${r.targets.map(esc).join(', ')}` : ''}${r.calendar ? `; calendar ${esc(r.calendar)}` : ''}.`
    : `No rule matched: ${esc(sla.tier.label)} from the ticket's Tier.`;
  const level = sla.level === null ? 'This policy has no escalation ladder.' : `Level ${sla.level} (the highest any Metric's ladder has reached).`;
  target.innerHTML = `<p data-testid="rule" data-rule="${r ? r.number : ''}">${rule} <span class="muted">${esc(sla.priority.label)} · ${esc(sla.tier.label)}</span></p>
    <p data-testid="level" data-level="${sla.level ?? ''}">${level}</p>
    ${sla.ladders.map((l) => `<table class="ladder" data-testid="ladder-${esc(l.metric)}" data-reached="${l.reached}"><caption>${esc(l.label)}: ${l.reached} of ${l.of}${l.levelLabel ? ` (${esc(l.levelLabel)})` : ''}${l.cycle > 1 ? ` · cycle ${l.cycle}` : ''}${l.next ? ` · next ${when(l.next)}` : ''}</caption>
      <thead><tr><th>Level</th><th>Label</th><th>At</th><th>Actions</th><th></th></tr></thead><tbody>${l.levels.map((v) => `<tr class="${v.reached ? 'reached' : ''}"><td>${v.level}</td><td>${esc(v.label)}</td><td>${when(v.at)}</td><td>${v.actions.map(esc).join(', ')}</td><td>${v.reached ? '✓ reached' : '<span class="muted">ahead</span>'}</td></tr>`).join('')}</tbody></table>`).join('')}`;
}

/**
 * A tags (or labels) editor: the list as chips with a remove button each, an input and Add, plus
 * the ones the policy names to add with one click. `onChange(list)` gets the new list.
 */
export function drawTags(target, tags, named, onChange, { lower = true, testid = 'tag' } = {}) {
  const norm = (t) => (lower ? t.toLowerCase() : t).trim().replace(/\s+/g, '_');
  const missing = named.filter((n) => !tags.includes(n));
  target.innerHTML = `${tags.map((t) => `<span class="chip" data-testid="${testid}-chip">${esc(t)} <button type="button" data-remove="${esc(t)}" title="Remove ${esc(t)}" aria-label="Remove ${esc(t)}">×</button></span>`).join(' ')}
    <input data-testid="${testid}-input" size="14" placeholder="add a ${testid}"> <button type="button" data-testid="${testid}-add">Add</button>
    ${missing.length ? `<span class="muted">the policy names: ${missing.map((n) => `<button type="button" class="link" data-add="${esc(n)}">${esc(n)}</button>`).join(' ')}</span>` : ''}`;
  const input = target.querySelector('input');
  const add = (t) => t && !tags.includes(t) && onChange([...tags, t]);
  target.querySelector(`[data-testid="${testid}-add"]`).onclick = () => add(norm(input.value));
  input.onkeydown = (e) => e.key === 'Enter' && (e.preventDefault(), add(norm(input.value)));
  target.querySelectorAll('[data-add]').forEach((b) => (b.onclick = () => add(b.dataset.add)));
  target.querySelectorAll('[data-remove]').forEach((b) => (b.onclick = () => onChange(tags.filter((t) => t !== b.dataset.remove))));
}
