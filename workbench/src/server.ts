#!/usr/bin/env node
// npm start: the workbench. One local HTTP server with the ticket list, a Zendesk ticket page running
// the real zendesk-app/dist sidebar on the ZAF emulator, a Jira issue page running the Forge app's
// own resolvers, trigger and UI against the Jira emulator, the policy page and the report.
// It runs compiled, from workbench/.build/workbench/src (scripts/bootstrap.mjs builds it).
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { Command } from 'commander';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type HTTPMethods } from 'fastify';
import { BadRequest, createWorkbench, type Body } from './workbench';
import { policyPicture } from './picture';
import { JIRA_CUSTOMER } from './jira-host';

// workbench/tsconfig.json compiles the repository's root (rootDir ..) into workbench/.build: this
// file runs as <root>/workbench/.build/workbench/src/server.js. The root is the nearest directory
// up that holds workbench/public, so that the answer is the same from the source or the build.
function repositoryRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'workbench', 'public'))) return dir;
    if (dirname(dir) === dir) throw new Error(`the workbench's pages (workbench/public) are in no directory above ${from}`);
  }
}
const ROOT = repositoryRoot(__dirname);
const PUBLIC = join(ROOT, 'workbench', 'public');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'application/javascript', '.mjs': 'application/javascript', '.css': 'text/css', '.png': 'image/png', '.json': 'application/json', '.svg': 'image/svg+xml' };
const MAX_BODY = 1_000_000;

type Workbench = ReturnType<typeof createWorkbench>;
type Request = FastifyRequest<{ Params: Record<string, string> }>;
/** A route's answer, sent as JSON with 200. */
type Route = [HTTPMethods, string, (req: Request) => Promise<unknown>];
/** An error a route throws: its status (404, 409, 422...) and, for a 400, the problems it lists. */
type RouteError = FastifyError & { status?: number; problems?: string[] };

function sendJson(reply: FastifyReply, status: number, body: unknown) {
  return reply.code(status).headers({ 'content-type': 'application/json', 'cache-control': 'no-store' }).send(JSON.stringify(body));
}

function sendFile(reply: FastifyReply, base: string, rel: string) {
  const file = normalize(join(base, rel));
  if (!file.startsWith(base + sep) || !existsSync(file) || !statSync(file).isFile()) return sendJson(reply, 404, { error: `not found: ${rel}` });
  // A bundler's chunk is named by its content's hash: a new build is a new name. Such a file is
  // cached as Zendesk's and Atlassian's CDNs let it be, so a ticket page opened again neither
  // fetches nor compiles the app's scripts again. Anything else is asked for each time.
  const cache = /-[\w-]{8}\.(js|css)$/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache';
  return reply.code(200).headers({ 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': cache }).send(createReadStream(file));
}

/**
 * The request's body as the JSON object every route reads. The body parser keeps the text: a route
 * parses it here when it reads a body, and one that reads none ignores whatever was sent.
 */
function readJson(req: FastifyRequest): Body {
  const text = typeof req.body === 'string' ? req.body : '';
  if (!text) return {};
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new BadRequest(`request body: not JSON (${(e as Error).message})`);
  }
  // Every route reads fields of an object: null, a list or a bare value is the caller's mistake.
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest(`request body: expected a JSON object, got ${Array.isArray(body) ? 'a list' : JSON.stringify(body).slice(0, 40)}`);
  return body;
}

/** The request's URL: its path as sent (not decoded), and its query. */
const urlOf = (req: FastifyRequest) => new URL(req.url ?? '/', 'http://workbench');

/** A script that moves the frame's clock to the workbench's, so the apps' own countdowns follow it. */
function clockScript(clock: number) {
  return `(function(){var off=${Number(clock)}-Date.now();var R=Date;function D(){var a=[].slice.call(arguments);if(!a.length)return new R(R.now()+off);return new (Function.prototype.bind.apply(R,[null].concat(a)))();}D.prototype=R.prototype;D.now=function(){return R.now()+off;};D.parse=R.parse;D.UTC=R.UTC;window.Date=D;})();`;
}

export async function startWorkbench({ port = 4600, host = '127.0.0.1', dataDir, reset = false, log = console.log }: { port?: number; host?: string; dataDir: string; reset?: boolean; log?: (line: string) => void }) {
  const wb = createWorkbench({ root: ROOT, dataDir, reset, log });
  await wb.init();
  const zendeskDist = join(ROOT, 'zendesk-app', 'dist', 'assets');
  const iframeHtml = readFileSync(join(zendeskDist, 'iframe.html'), 'utf8');
  const emulator = readFileSync(join(ROOT, 'test', 'zendesk', 'zaf-emulator.js'), 'utf8');
  // chart.js exports no path to its browser build, so find it next to its main file.
  const chartJs = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');
  const q = (req: Request, name: string) => urlOf(req).searchParams.get(name) ?? undefined;

  const routes: Route[] = [
    ['GET', '/api/desk', async (req) => wb.desk({ sort: q(req, 'sort'), state: q(req, 'state') })],
    ['GET', '/api/clock', async () => wb.clock()],
    ['POST', '/api/clock', async (req) => wb.setClock(readJson(req))],
    ['GET', '/api/policy', async (req) => policyPage(wb, weeks(urlOf(req)))],
    ['POST', '/api/policy/check', async (req) => wb.checkPolicy(readJson(req).text)],
    ['POST', '/api/policy', async (req) => wb.setPolicy(readJson(req))],
    ['GET', '/api/report', async () => wb.report()],
    ['GET', '/api/settings', async () => wb.appSettings()],
    ['POST', '/api/settings', async (req) => wb.setAppSettings(readJson(req))],
    ['GET', '/api/zendesk/tickets/:id(^\\d+$)', async (req) => zendeskTicket(wb, req.params.id)],
    ['POST', '/api/zendesk/tickets/:id(^\\d+$)', async (req) => wb.submitZendesk(req.params.id, readJson(req))],
    // Zendesk's REST API, as the sidebar's client.request reaches it through the ZAF emulator.
    ['GET', '/zendesk/as/:user(^\\w+$)/api/v2/tickets/:id(^\\d+$)/audits.json', async (req) => ({ audits: wb.ticket(req.params.id).audits, users: wb.zendesk.users })],
    ['GET', '/zendesk/as/:user(^\\w+$)/api/v2/users/:id(^\\d+$)/groups.json', async (req) => wb.rest.groups(req.params.id)],
    ['PUT', '/zendesk/as/:user(^\\w+$)/api/v2/tickets/:id(^\\d+).json', async (req) => wb.commentZendesk(req.params.id, readJson(req), req.params.user)],
    // The requester's side: Requests API "Update Request", an end user's comment (the ticket page's "as the requester").
    ['PUT', '/zendesk/as/:user(^\\w+$)/api/v2/requests/:id(^\\d+).json', async (req) => wb.requesterZendesk(req.params.id, readJson(req), req.params.user)],
    // An agent edits the requester's user fields (Users API "Update User") or an organization's
    // fields (Organizations API "Update Organization"): kept on the user or the organization, no ticket audit.
    ['PUT', '/zendesk/as/:user(^\\w+$)/api/v2/users/:id(^\\d+).json', async (req) => wb.updateZendeskUser(req.params.id, readJson(req), req.params.user)],
    ['PUT', '/zendesk/as/:user(^\\w+$)/api/v2/organizations/:id(^\\d+).json', async (req) => wb.updateZendeskOrganization(req.params.id, readJson(req), req.params.user)],
    ['GET', '/api/zendesk/fields', async () => ({ ...wb.zendesk.fieldOptions(wb.policy), group: wb.zendesk.groupOptions() })],
    ['POST', '/api/zendesk/email', async (req) => wb.emailTicket(readJson(req))],
    // The Marketplace path (marketplace.ts): install the app on the emulated account, then connect the service.
    ['GET', '/api/marketplace', async () => wb.marketplace()],
    ['POST', '/api/marketplace/install', async () => wb.installFromMarketplace()],
    ['POST', '/api/marketplace/email', async (req) => wb.marketplaceEmail(readJson(req))],
    ['GET', '/api/jira/issues/:key(^[A-Z]+-\\d+$)', async (req) => ({ ...jiraIssue(wb, req.params.key), ...(await wb.jiraConditions(req.params.key)) })],
    ['POST', '/api/jira/issues/:key(^[A-Z]+-\\d+$)', async (req) => wb.editJira(req.params.key, readJson(req))],
    ['POST', '/api/jira/issues/:key(^[A-Z]+-\\d+$)/comment', async (req) => wb.commentJira(req.params.key, readJson(req))],
    ['POST', '/api/jira/recalculate', async () => wb.recalculateJira()],
    ['POST', '/api/jira/invoke', async (req) => wb.invokeJira(readJson(req))],
  ];

  // Zendesk's REST API for the SLA Desk service, over the same store (it needs a token, as Zendesk does).
  // Sources, as in test/zendesk/rest-emulator.ts: Tickets API "Show Ticket" and "Update Ticket"
  // (safe_update, 409), Ticket Audits API "List Audits for a Ticket" (include=users), Groups API
  // "List Groups" for a user. One page of audits only: the desk's tickets are short.
  const restRoutes: [HTTPMethods, string, (params: Record<string, string>, body?: Body) => { status: number; body: unknown }][] = [
    ['GET', '/api/v2/tickets/:id(^\\d+).json', (m) => ({ status: 200, body: wb.rest.ticket(m.id) })],
    ['GET', '/api/v2/tickets/:id(^\\d+$)/audits.json', (m) => ({ status: 200, body: wb.rest.audits(m.id) })],
    ['GET', '/api/v2/users/:id(^\\d+$)/groups.json', (m) => ({ status: 200, body: wb.rest.groups(m.id) })],
    // Organizations API "Show Organization", Users API "Show User": their custom fields, by key.
    ['GET', '/api/v2/organizations/:id(^\\d+).json', (m) => wb.rest.organization(m.id)],
    ['GET', '/api/v2/users/:id(^\\d+).json', (m) => wb.rest.user(m.id)],
    ['PUT', '/api/v2/tickets/:id(^\\d+).json', (m, body) => wb.rest.update(m.id, body)],
  ];

  // Filled once the port is bound. A page on another site must not drive the workbench through the
  // agent's browser (a write from another Origin), nor a DNS name rebound to 127.0.0.1 (a Host
  // that is not ours): both are refused before any route runs.
  const hosts = new Set<string>();
  // HEAD is not served, as no route answers it; the connections are cut on close, as a test's
  // server must stop at once.
  const app = Fastify({ logger: false, exposeHeadRoutes: false, forceCloseConnections: true, bodyLimit: MAX_BODY });
  // Any content type, parsed by the route that reads it (readJson): the pages send JSON, a
  // hand-made request may say text/plain.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addHook('onRequest', async (req, reply) => {
    const hostHeader = String(req.headers.host ?? '').toLowerCase();
    if (!hosts.has(hostHeader)) return sendJson(reply, 421, { error: `unknown Host "${hostHeader.slice(0, 100)}": the workbench answers only to ${[...hosts].join(', ')}` });
    const origin = req.headers.origin;
    if (req.method !== 'GET' && req.method !== 'HEAD' && origin !== undefined && !hosts.has(String(origin).toLowerCase().replace(/^http:\/\//, ''))) {
      return sendJson(reply, 403, { error: `a write from another origin (${String(origin).slice(0, 100)}) is refused` });
    }
  });
  app.setErrorHandler((e: RouteError, req, reply) => {
    // Over the limit, the body is the caller's mistake like any other body it sent.
    const tooLarge = e.code === 'FST_ERR_CTP_BODY_TOO_LARGE';
    const status = tooLarge ? 400 : (e.status ?? (e.statusCode && e.statusCode < 500 ? e.statusCode : 500));
    // Messages name fields and values the user sent, never ticket content.
    if (status >= 500) log(`[workbench] ${req.method} ${urlOf(req).pathname}: ${e.stack ?? e.message}`);
    return sendJson(reply, status, { error: tooLarge ? `request body: larger than ${MAX_BODY} bytes` : e.message, problems: e.problems });
  });

  await app.register(
    async (rest: FastifyInstance) => {
      rest.addHook('onRequest', async (req, reply) => {
        if (!/^(Basic|Bearer) /.test(req.headers.authorization ?? '')) return sendJson(reply, 401, { error: "Couldn't authenticate you" });
      });
      for (const [method, url, fn] of restRoutes) {
        rest.route({ method, url, handler: async (req: Request, reply) => {
          const r = fn(req.params, method === 'PUT' ? readJson(req) : undefined);
          return sendJson(reply, r.status, r.body);
        } });
      }
      // A route, not a not-found handler: the workbench's own GET /* would take it first.
      rest.all('/*', async (req, reply) => sendJson(reply, 404, { error: `not emulated: ${req.method} ${urlOf(req).pathname}` }));
    },
    { prefix: '/zendesk-rest' },
  );
  for (const [method, url, fn] of routes) app.route({ method, url, handler: async (req: Request, reply) => sendJson(reply, 200, await fn(req)) });
  const get = (url: string, handler: (req: Request, reply: FastifyReply) => unknown) => app.get(url, async (req: Request, reply) => handler(req, reply));
  get('/api/desk/timelines.jsonl', (_req, reply) => reply.code(200).headers({ 'content-type': 'application/x-ndjson', 'content-disposition': 'attachment; filename="desk-timelines.jsonl"' }).send(wb.timelines()));
  get('/zendesk/frame', (req, reply) => zendeskFrame(reply, wb, urlOf(req), iframeHtml));
  get('/zaf/sdk.js', (_req, reply) => reply.code(200).header('content-type', TYPES['.js']).send(emulator));
  get('/zendesk/assets/*', (req, reply) => sendFile(reply, zendeskDist, urlOf(req).pathname.slice('/zendesk/assets/'.length)));
  get('/jira/frame', (req, reply) => jiraFrame(reply, wb, urlOf(req)));
  get('/forge-ui/*', (req, reply) => sendFile(reply, join(ROOT, 'workbench', '.build', 'forge-ui'), urlOf(req).pathname.slice('/forge-ui/'.length)));
  get('/vendor/chart.js', (_req, reply) => sendFile(reply, dirname(chartJs), 'chart.umd.min.js'));
  get('/*', (req, reply) => {
    const p = urlOf(req).pathname;
    return sendFile(reply, PUBLIC, p === '/' ? 'index.html' : p.slice(1));
  });
  // What no route serves: a GET is a file that is not there (a route's own pattern, such as a
  // ticket id that is not a number, did not match), anything else a method the path lacks.
  app.setNotFoundHandler(async (req, reply) => {
    const p = urlOf(req).pathname;
    if (req.method !== 'GET') return sendJson(reply, 405, { error: `${req.method} ${p} is not served` });
    return sendFile(reply, PUBLIC, p.slice(1));
  });
  await app.listen({ port, host });
  const { port: bound } = app.server.address() as AddressInfo;
  for (const h of [host, '127.0.0.1', 'localhost', '[::1]']) hosts.add(`${h}:${bound}`.toLowerCase());
  const base = `http://${host}:${bound}`;
  await wb.attachService(base);
  return {
    url: base,
    workbench: wb,
    close: async () => {
      await wb.closeService();
      await app.close();
    },
  };
}

/** ?week=N: the calendar week N weeks from the clock's (bounded, so a typo cannot ask for year 9999). */
/**
 * The policy page's data. `base` is the preset the policy is or was pasted over, with its text, so
 * the page can say "edited (from <preset>)" the moment the text stops being the preset's.
 */
function policyPage(wb: Workbench, week: number) {
  const source = wb.state.policy;
  const base = source.preset ?? source.basePreset ?? null;
  return { source, text: source.document ?? wb.presetText(source.preset), base, baseText: base ? wb.presetText(base) : null, presets: wb.presetIds(), ...policyPicture(wb.policy, wb.state.clock, week) };
}

function weeks(url: URL) {
  const n = Number(url.searchParams.get('week') ?? 0);
  if (!Number.isInteger(n) || Math.abs(n) > 520) throw new BadRequest(`week: expected a whole number of weeks from -520 to 520, got "${url.searchParams.get('week')}"`);
  return n;
}

function zendeskTicket(wb: Workbench, id: string) {
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

function zendeskFrame(reply: FastifyReply, wb: Workbench, url: URL, html: string) {
  const t = wb.ticket(url.searchParams.get('ticket') ?? '');
  const user = wb.userOf(url.searchParams.get('user') ?? undefined);
  const seed: Record<string, unknown> = wb.zendesk.seedOf(t, user, wb.settings(), wb.state.directory);
  // Comments are written as the signed-in user, as Zendesk's API does for the agent's session.
  seed.rest = `/zendesk/as/${url.searchParams.get('user') ?? 'agent'}`;
  const head = `<base href="/zendesk/assets/"><script>${clockScript(wb.state.clock)}</script><script>window.__ZAF_SEED__=${JSON.stringify(seed).replace(/</g, '\\u003c')};</script>`;
  const page = html.replace('<head>', `<head>${head}`).replace('https://static.zdassets.com/zendesk_app_framework_sdk/2.0/zaf_sdk.min.js', '/zaf/sdk.js');
  return reply.code(200).headers({ 'content-type': TYPES['.html'], 'cache-control': 'no-store' }).send(page);
}

/** The Forge app's UI Kit modules the workbench draws: the issue's glance and panel, and the SLA report's gadget and project page. */
const FRAME_MODULES = ['panel', 'glance', 'report-gadget', 'report-page'];

function jiraFrame(reply: FastifyReply, wb: Workbench, url: URL) {
  const module = url.searchParams.get('module');
  if (module === null || !FRAME_MODULES.includes(module)) return sendJson(reply, 400, { error: `module: expected one of ${FRAME_MODULES.join(', ')}` });
  const page = `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/uikit.css"><script>${clockScript(wb.state.clock)}</script></head><body><div id="root"></div><script type="module" src="/forge-ui/${module}.js"></script></body></html>`;
  return reply.code(200).headers({ 'content-type': TYPES['.html'], 'cache-control': 'no-store' }).send(page);
}

/** A Jira account as people see it: its display name (the emulator's users, as GET /rest/api/3/user gives them). */
function displayName(wb: Workbench, accountId: string | undefined) {
  if (!accountId) return 'Anonymous';
  return wb.jira.jira.users.get(accountId)?.displayName ?? 'Former user';
}

function jiraIssue(wb: Workbench, key: string) {
  const issue = wb.jira.jira.issues.get(key);
  if (!issue) throw Object.assign(new Error(`no issue ${key}`), { status: 404 });
  const policy = wb.policy;
  const c = policy.classification;
  const config = wb.jira.configFor();
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

if (require.main === module) {
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
    ({ url, close }) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      console.log(`SLA Desk workbench: ${url}  (ready in ${ms.toFixed(0)} ms; desk stored in ${o.data})`);
      // Ctrl-C: stop what the workbench started (its Forge SQL server among them) before leaving.
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void close().finally(() => process.exit(0)));
    },
    (e) => {
      const why = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `port ${o.port} is in use; pass another with npm start -- --port <n> (0 picks a free one)` : e.message;
      console.error(`[workbench] could not start: ${why}`);
      process.exit(1);
    },
  );
}
