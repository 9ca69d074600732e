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

const PAGES = [['/', 'Tickets'], ['/policy.html', 'Policy'], ['/report.html', 'Report']];
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
  const desk = await api('/api/desk');
  show(desk.clock);
  return desk;
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
