#!/usr/bin/env node
// npm start: the workbench. One local HTTP server with the ticket list, a Zendesk ticket page running
// the real zendesk-app/dist sidebar on the ZAF emulator, a Jira issue page running the Forge app's
// own resolvers, trigger and UI against the Jira emulator, the policy page and the report.
import { createServer } from 'node:http';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { BadRequest, createWorkbench } from './workbench.mjs';
import { policyPicture } from './picture.mjs';
import { JIRA_CUSTOMER } from './jira-host.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..', '..');
const PUBLIC = join(here, '..', 'public');
const require = createRequire(import.meta.url);
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'application/javascript', '.mjs': 'application/javascript', '.css': 'text/css', '.png': 'image/png', '.json': 'application/json', '.svg': 'image/svg+xml' };
const MAX_BODY = 1_000_000;

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendFile(res, base, rel) {
  const file = normalize(join(base, rel));
  if (!file.startsWith(base + sep) || !existsSync(file) || !statSync(file).isFile()) return sendJson(res, 404, { error: `not found: ${rel}` });
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
}

async function readJson(req) {
  let size = 0;
  const chunks = [];
  for await (const c of req) {
    size += c.length;
    if (size > MAX_BODY) throw new BadRequest(`request body: larger than ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new BadRequest(`request body: not JSON (${e.message})`);
  }
  // Every route reads fields of an object: null, a list or a bare value is the caller's mistake.
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest(`request body: expected a JSON object, got ${Array.isArray(body) ? 'a list' : JSON.stringify(body).slice(0, 40)}`);
  return body;
}

/** A script that moves the frame's clock to the workbench's, so the apps' own countdowns follow it. */
function clockScript(clock) {
  return `(function(){var off=${Number(clock)}-Date.now();var R=Date;function D(){var a=[].slice.call(arguments);if(!a.length)return new R(R.now()+off);return new (Function.prototype.bind.apply(R,[null].concat(a)))();}D.prototype=R.prototype;D.now=function(){return R.now()+off;};D.parse=R.parse;D.UTC=R.UTC;window.Date=D;})();`;
}

export async function startWorkbench({ port = 4600, host = '127.0.0.1', dataDir, reset = false, log = console.log } = {}) {
  const wb = createWorkbench({ root: ROOT, dataDir, reset, log });
  await wb.init();
  const zendeskDist = join(ROOT, 'zendesk-app', 'dist', 'assets');
  const iframeHtml = readFileSync(join(zendeskDist, 'iframe.html'), 'utf8');
  const emulator = readFileSync(join(ROOT, 'test', 'zendesk', 'zaf-emulator.js'), 'utf8');
  // chart.js exports no path to its browser build, so find it next to its main file.
  const chartJs = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');

  const routes = [
    ['GET', /^\/api\/desk$/, async (_req, _m, url) => wb.desk({ sort: url.searchParams.get('sort') ?? undefined, state: url.searchParams.get('state') ?? undefined })],
    ['POST', /^\/api\/clock$/, async (req) => wb.setClock(await readJson(req))],
    ['GET', /^\/api\/policy$/, async (_req, _m, url) => policyPage(wb, weeks(url))],
    ['POST', /^\/api\/policy\/check$/, async (req) => wb.checkPolicy((await readJson(req)).text)],
    ['POST', /^\/api\/policy$/, async (req) => wb.setPolicy(await readJson(req))],
    ['GET', /^\/api\/report$/, async () => wb.report()],
    ['GET', /^\/api\/settings$/, async () => wb.appSettings()],
    ['POST', /^\/api\/settings$/, async (req) => wb.setAppSettings(await readJson(req))],
    ['GET', /^\/api\/zendesk\/tickets\/(\d+)$/, async (_req, m) => zendeskTicket(wb, m[1])],
    ['POST', /^\/api\/zendesk\/tickets\/(\d+)$/, async (req, m) => wb.submitZendesk(m[1], await readJson(req))],
    // Zendesk's REST API, as the sidebar's client.request reaches it through the ZAF emulator.
    ['GET', /^\/zendesk\/as\/\w+\/api\/v2\/tickets\/(\d+)\/audits\.json$/, async (_req, m) => ({ audits: wb.ticket(m[1]).audits, users: wb.zendesk.users })],
    ['GET', /^\/zendesk\/as\/\w+\/api\/v2\/users\/(\d+)\/groups\.json$/, async (_req, m) => wb.rest.groups(m[1])],
    ['PUT', /^\/zendesk\/as\/(\w+)\/api\/v2\/tickets\/(\d+)\.json$/, async (req, m) => wb.commentZendesk(m[2], await readJson(req), m[1])],
    // The requester's side: Requests API "Update Request", an end user's comment (the ticket page's "as the requester").
    ['PUT', /^\/zendesk\/as\/(\w+)\/api\/v2\/requests\/(\d+)\.json$/, async (req, m) => wb.requesterZendesk(m[2], await readJson(req), m[1])],
    // An agent edits the requester's user fields (Users API "Update User") or an organization's
    // fields (Organizations API "Update Organization"): kept on the user or the organization, no ticket audit.
    ['PUT', /^\/zendesk\/as\/(\w+)\/api\/v2\/users\/(\d+)\.json$/, async (req, m) => wb.updateZendeskUser(m[2], await readJson(req), m[1])],
    ['PUT', /^\/zendesk\/as\/(\w+)\/api\/v2\/organizations\/(\d+)\.json$/, async (req, m) => wb.updateZendeskOrganization(m[2], await readJson(req), m[1])],
    ['GET', /^\/api\/zendesk\/fields$/, async () => ({ ...wb.zendesk.fieldOptions(wb.policy), group: wb.zendesk.groupOptions() })],
    ['POST', /^\/api\/zendesk\/email$/, async (req) => wb.emailTicket(await readJson(req))],
    // The Marketplace path (marketplace.mjs): install the app on the emulated account, then connect the service.
    ['GET', /^\/api\/marketplace$/, async () => wb.marketplace()],
    ['POST', /^\/api\/marketplace\/install$/, async () => wb.installFromMarketplace()],
    ['POST', /^\/api\/marketplace\/email$/, async (req) => wb.marketplaceEmail(await readJson(req))],
    ['GET', /^\/api\/jira\/issues\/([A-Z]+-\d+)$/, async (_req, m) => ({ ...jiraIssue(wb, m[1]), ...(await wb.jiraConditions(m[1])) })],
    ['POST', /^\/api\/jira\/issues\/([A-Z]+-\d+)$/, async (req, m) => wb.editJira(m[1], await readJson(req))],
    ['POST', /^\/api\/jira\/issues\/([A-Z]+-\d+)\/comment$/, async (req, m) => wb.commentJira(m[1], await readJson(req))],
    ['POST', /^\/api\/jira\/recalculate$/, async () => wb.recalculateJira()],
    ['POST', /^\/api\/jira\/invoke$/, async (req) => wb.invokeJira(await readJson(req))],
  ];

  // Zendesk's REST API for the SLA Desk service, over the same store (it needs a token, as Zendesk does).
  // Sources, as in test/zendesk/rest-emulator.ts: Tickets API "Show Ticket" and "Update Ticket"
  // (safe_update, 409), Ticket Audits API "List Audits for a Ticket" (include=users), Groups API
  // "List Groups" for a user. One page of audits only: the desk's tickets are short.
  const restRoutes = [
    ['GET', /^\/zendesk-rest\/api\/v2\/tickets\/(\d+)\.json$/, (m) => ({ status: 200, body: wb.rest.ticket(m[1]) })],
    ['GET', /^\/zendesk-rest\/api\/v2\/tickets\/(\d+)\/audits\.json$/, (m) => ({ status: 200, body: wb.rest.audits(m[1]) })],
    ['GET', /^\/zendesk-rest\/api\/v2\/users\/(\d+)\/groups\.json$/, (m) => ({ status: 200, body: wb.rest.groups(m[1]) })],
    // Organizations API "Show Organization", Users API "Show User": their custom fields, by key.
    ['GET', /^\/zendesk-rest\/api\/v2\/organizations\/(\d+)\.json$/, (m) => wb.rest.organization(m[1])],
    ['GET', /^\/zendesk-rest\/api\/v2\/users\/(\d+)\.json$/, (m) => wb.rest.user(m[1])],
    ['PUT', /^\/zendesk-rest\/api\/v2\/tickets\/(\d+)\.json$/, (m, body) => wb.rest.update(m[1], body)],
  ];

  // Filled once the port is bound. A page on another site must not drive the workbench through the
  // agent's browser (a write from another Origin), nor a DNS name rebound to 127.0.0.1 (a Host
  // that is not ours): both are refused before any route runs.
  const hosts = new Set();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://workbench');
    const p = url.pathname;
    const hostHeader = String(req.headers.host ?? '').toLowerCase();
    if (!hosts.has(hostHeader)) return sendJson(res, 421, { error: `unknown Host "${hostHeader.slice(0, 100)}": the workbench answers only to ${[...hosts].join(', ')}` });
    const origin = req.headers.origin;
    if (req.method !== 'GET' && req.method !== 'HEAD' && origin !== undefined && !hosts.has(String(origin).toLowerCase().replace(/^http:\/\//, ''))) {
      return sendJson(res, 403, { error: `a write from another origin (${String(origin).slice(0, 100)}) is refused` });
    }
    try {
      if (p.startsWith('/zendesk-rest/')) {
        if (!/^(Basic|Bearer) /.test(req.headers.authorization ?? '')) return sendJson(res, 401, { error: "Couldn't authenticate you" });
        for (const [method, re, fn] of restRoutes) {
          const m = re.exec(p);
          if (m && req.method === method) {
            const r = fn(m, method === 'PUT' ? await readJson(req) : undefined);
            return sendJson(res, r.status, r.body);
          }
        }
        return sendJson(res, 404, { error: `not emulated: ${req.method} ${p}` });
      }
      for (const [method, re, fn] of routes) {
        const m = re.exec(p);
        if (m && req.method === method) return sendJson(res, 200, await fn(req, m, url));
      }
      if (req.method !== 'GET') return sendJson(res, 405, { error: `${req.method} ${p} is not served` });
      if (p === '/api/desk/timelines.jsonl') return res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-disposition': 'attachment; filename="desk-timelines.jsonl"' }).end(wb.timelines());
      if (p === '/zendesk/frame') return zendeskFrame(res, wb, url, iframeHtml);
      if (p === '/zaf/sdk.js') return res.writeHead(200, { 'content-type': TYPES['.js'] }).end(emulator);
      if (p.startsWith('/zendesk/assets/')) return sendFile(res, zendeskDist, p.slice('/zendesk/assets/'.length));
      if (p === '/jira/frame') return jiraFrame(res, wb, url);
      if (p.startsWith('/forge-ui/')) return sendFile(res, join(ROOT, 'workbench', '.build', 'forge-ui'), p.slice('/forge-ui/'.length));
      if (p === '/vendor/chart.js') return sendFile(res, dirname(chartJs), 'chart.umd.min.js');
      return sendFile(res, PUBLIC, p === '/' ? 'index.html' : p.slice(1));
    } catch (e) {
      const status = e.status ?? 500;
      // Messages name fields and values the user sent, never ticket content.
      if (status >= 500) log(`[workbench] ${req.method} ${p}: ${e.stack ?? e.message}`);
      return sendJson(res, status, { error: e.message, problems: e.problems });
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { port: bound } = server.address();
  for (const h of [host, '127.0.0.1', 'localhost', '[::1]']) hosts.add(`${h}:${bound}`.toLowerCase());
  const base = `http://${host}:${bound}`;
  await wb.attachService(base);
  return {
    url: base,
    workbench: wb,
    close: async () => {
      await wb.closeService();
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r()));
    },
  };
}

/** ?week=N: the calendar week N weeks from the clock's (bounded, so a typo cannot ask for year 9999). */
/**
 * The policy page's data. `base` is the preset the policy is or was pasted over, with its text, so
 * the page can say "edited (from <preset>)" the moment the text stops being the preset's.
 */
function policyPage(wb, week) {
  const source = wb.state.policy;
  const base = source.preset ?? source.basePreset ?? null;
  return { source, text: source.document ?? wb.presetText(source.preset), base, baseText: base ? wb.presetText(base) : null, presets: wb.presetIds(), ...policyPicture(wb.policy, wb.state.clock, week) };
}

function weeks(url) {
  const n = Number(url.searchParams.get('week') ?? 0);
  if (!Number.isInteger(n) || Math.abs(n) > 520) throw new BadRequest(`week: expected a whole number of weeks from -520 to 520, got "${url.searchParams.get('week')}"`);
  return n;
}

function zendeskTicket(wb, id) {
  const t = wb.ticket(id);
  const conditions = wb.zendeskConditions(id);
  return {
    id: t.id,
    subject: t.subject,
    values: t.values,
    audits: t.audits,
    users: wb.zendesk.users,
    // The audit names fields by their titles, as Zendesk's own audit view does, never by id.
    fieldTitles: wb.zendesk.fieldTitles(wb.policy),
    // The rule and the ladders of its decision; the tags the policy names; its attributes in Zendesk.
    sla: conditions.sla,
    tags: conditions.tags,
    attributes: conditions.attributes,
    fields: {
      ...wb.zendesk.fieldOptions(wb.policy),
      group: wb.zendesk.groupOptions(),
      ...conditions.context,
      sla: Object.entries(wb.zendesk.ids)
        .filter(([k]) => k.startsWith('sla_due_') || k === 'sla_state' || k === 'sla_priority' || k === 'sla_level' || k === 'sla_next_breach')
        .map(([k, fid]) => ({ key: k, path: `ticket.customField:custom_field_${fid}` })),
    },
  };
}

function zendeskFrame(res, wb, url, html) {
  const t = wb.ticket(url.searchParams.get('ticket'));
  const user = wb.userOf(url.searchParams.get('user') ?? undefined);
  const seed = wb.zendesk.seedOf(t, user, wb.settings(), wb.state.directory);
  // Comments are written as the signed-in user, as Zendesk's API does for the agent's session.
  seed.rest = `/zendesk/as/${url.searchParams.get('user') ?? 'agent'}`;
  const head = `<base href="/zendesk/assets/"><script>${clockScript(wb.state.clock)}</script><script>window.__ZAF_SEED__=${JSON.stringify(seed).replace(/</g, '\\u003c')};</script>`;
  const page = html.replace('<head>', `<head>${head}`).replace('https://static.zdassets.com/zendesk_app_framework_sdk/2.0/zaf_sdk.min.js', '/zaf/sdk.js');
  res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store' }).end(page);
}

/** The Forge app's UI Kit modules the workbench draws: the issue's glance and panel, and the SLA report's gadget and project page. */
const FRAME_MODULES = ['panel', 'glance', 'report-gadget', 'report-page'];

function jiraFrame(res, wb, url) {
  const module = url.searchParams.get('module');
  if (!FRAME_MODULES.includes(module)) return sendJson(res, 400, { error: `module: expected one of ${FRAME_MODULES.join(', ')}` });
  const page = `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/uikit.css"><script>${clockScript(wb.state.clock)}</script></head><body><div id="root"></div><script type="module" src="/forge-ui/${module}.js"></script></body></html>`;
  res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store' }).end(page);
}

/** A Jira account as people see it: its display name (the emulator's users, as GET /rest/api/3/user gives them). */
function displayName(wb, accountId) {
  if (!accountId) return 'Anonymous';
  return wb.jira.jira.users.get(accountId)?.displayName ?? 'Former user';
}

function jiraIssue(wb, key) {
  const issue = wb.jira.jira.issues.get(key);
  if (!issue) throw Object.assign(new Error(`no issue ${key}`), { status: 404 });
  const policy = wb.policy;
  const c = policy.classification;
  const config = wb.jira.configFor(policy);
  return {
    key,
    fields: issue.fields,
    // Authors by the display name Jira shows for them; the account id is what the page tells the customer by.
    comments: issue.comments.map((cm) => ({ created: cm.created, author: cm.author?.accountId, authorName: displayName(wb, cm.author?.accountId), internal: cm.jsdPublic === false, text: wb.jira.forge.adfText(cm.body) })),
    // The changelog as Jira keeps it: what the app's trigger reads for status, priority and group changes.
    changelog: issue.histories.map((h) => ({ created: h.created, author: h.author?.accountId ?? null, authorName: displayName(wb, h.author?.accountId), items: h.items })),
    // The app's own fields, as Forge created them from the manifest (the app finds them by module key).
    appFields: [...wb.jira.jira.fields.entries()].filter(([, f]) => f.moduleKey).map(([id, f]) => ({ label: f.name, id })),
    options: {
      impact: c.method === 'matrix' ? c.impact.map((l) => ({ value: l.id, label: `${l.id}. ${l.label}` })) : null,
      urgency: c.method === 'matrix' ? c.urgency.map((l) => ({ value: l.id, label: `${l.id}. ${l.label}` })) : null,
      tier: Object.entries(policy.tiers).map(([id, t]) => ({ value: id, label: t.label })),
      priority: wb.jira.jira.priorities.map((p) => p.name),
      // The priority Jira gives new issues (the default scheme's default), when the site tells it.
      defaultPriority: wb.jira.jira.priorities.find((p) => p.id === wb.jira.jira.defaultPriorityId)?.name ?? null,
      // The site's groups the mapped group picker may hold (the policy names them by name).
      group: config.map.group ? wb.jira.jira.siteGroups.map((g) => g.name) : null,
    },
    map: config.map,
    // The reporter, who comments from the portal (the page's "as the customer").
    customer: JIRA_CUSTOMER,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = process.hrtime.bigint();
  const o = new Command()
    .name('npm start --')
    .description('SLA Desk workbench: both apps on emulated Zendesk and Jira hosts, over a sample desk')
    .option('--port <n>', 'port to listen on (0 picks a free one)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port: expected 0 to 65535, got "${v}"`);
      return n;
    }, 4600)
    .option('--data <dir>', 'where the desk is stored', process.env.SLA_DESK_DATA ?? join(ROOT, 'workbench', '.data'))
    .option('--reset', 'restore the sample desk, the KIWI STAGE+ preset and the clock', false)
    .parse()
    .opts();
  startWorkbench({ port: o.port, dataDir: o.data, reset: o.reset }).then(
    ({ url }) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      console.log(`SLA Desk workbench: ${url}  (ready in ${ms.toFixed(0)} ms; desk stored in ${o.data})`);
    },
    (e) => {
      const why = e.code === 'EADDRINUSE' ? `port ${o.port} is in use; pass another with npm start -- --port <n> (0 picks a free one)` : e.message;
      console.error(`[workbench] could not start: ${why}`);
      process.exit(1);
    },
  );
}
