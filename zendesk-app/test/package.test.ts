import { cpSync, createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { validatePackage } from './validate-package';

/** The built package (npm run build -w zendesk-app, run by npm test's bootstrap) as Zendesk would check it. */
const DIST = join(__dirname, '..', 'dist');

test('the built app passes the zendesk_apps_support rules that apply to it', () => {
  expect(validatePackage(DIST)).toEqual([]);
});

test('the manifest names the two sidebars and SLA Desk\'s page, frameworkVersion 2.0 and the settings', () => {
  const m = JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8'));
  expect(Object.keys(m.location.support).sort()).toEqual(['nav_bar', 'new_ticket_sidebar', 'ticket_sidebar']);
  expect(m.frameworkVersion).toBe('2.0');
  expect(m.parameters.map((p: { name: string }) => p.name)).toEqual(['policy_preset', 'policy_document', 'lead_groups', 'tier_source', 'lock_priority', 'notify_on_override', 'field_ids', 'service_url', 'service_token']);
  // The service's token is secure: Zendesk's proxy puts it into requests to the whitelisted
  // service's domain only, and never shows it to the browser.
  const token = m.parameters.find((p: { name: string }) => p.name === 'service_token');
  expect(token).toMatchObject({ type: 'hidden', secure: true });
  const service = new URL(m.parameters.find((p: { name: string }) => p.name === 'service_url').default);
  expect(m.domainWhitelist).toEqual([service.hostname]);
});

test('SLA Desk\'s page is built with its icon, and loads none of the sidebar\'s UI', () => {
  const html = readFileSync(join(DIST, 'assets', 'nav.html'), 'utf8');
  expect(html).toMatch(/<script type="module" crossorigin src="\.\/nav-[\w-]+\.js">/);
  const ui = readdirSync(join(DIST, 'assets')).find((f) => /^ui-[\w-]+\.js$/.test(f))!;
  expect(html).not.toContain(ui);
  expect(readFileSync(join(DIST, 'assets', 'icon_nav_bar.svg'), 'utf8')).toMatch(/^<svg [^>]*viewBox="0 0 18 18"/);
});

test('a due field\'s title is words: the Metric\'s label lowered, an acronym kept', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { dueFieldTitle } = require('../scripts/requirements.cjs');
  expect(['First response', 'RCA sent', 'Group ownership (Support)'].map(dueFieldTitle)).toEqual(['SLA: first response due', 'SLA: RCA sent due', 'SLA: group ownership (Support) due']);
});

test('requirements create the service\'s webhook and a trigger that sends it the ticket id on create and update', () => {
  const r = JSON.parse(readFileSync(join(DIST, 'requirements.json'), 'utf8'));
  const w = r.webhooks.sla_desk_service;
  expect(w).toMatchObject({ name: 'SLA Desk service', http_method: 'POST', request_format: 'json', subscriptions: ['conditional_ticket_events'] });
  // Not live on a placeholder: installed inactive until the admin gives the endpoint. No `title`,
  // which the Webhooks API does not have.
  expect(w.status).toBe('inactive');
  expect(w).not.toHaveProperty('title');
  const t = r.triggers.sla_desk_evaluate;
  expect(t.conditions.any.map((c: { value: string }) => c.value)).toEqual(['Create', 'Change']);
  const [webhook, payload] = t.actions[0].value;
  expect(webhook).toBe('sla_desk_service');
  // The service reads exactly this body.
  expect(JSON.parse(payload.replace('{{ticket.id}}', '42'))).toEqual({ ticket_id: '42' });
});

test('requirements create Impact, Urgency and Tier taggers from the policy, due fields per metric and the state field', () => {
  const r = JSON.parse(readFileSync(join(DIST, 'requirements.json'), 'utf8'));
  const f = r.ticket_fields;
  expect(f.sla_impact.custom_field_options.map((o: { value: string }) => o.value)).toEqual(['sla_impact_1', 'sla_impact_2', 'sla_impact_3', 'sla_impact_4']);
  expect(f.sla_urgency.custom_field_options[0]).toEqual({ name: '1. Critical', value: 'sla_urgency_1' });
  expect(f.sla_tier.custom_field_options).toEqual([{ name: 'Basic', value: 'sla_tier_basic' }, { name: 'Plus', value: 'sla_tier_plus' }]);
  // The default policy's due fields only, titled in words: a field per promise it makes, and none
  // for another preset's Metrics (those come from the setup, src/zaf/setup.ts, once chosen).
  expect(Object.keys(f).filter((k) => k.startsWith('sla_due_')).sort()).toEqual(['sla_due_first_response', 'sla_due_resolution']);
  expect(f.sla_due_first_response).toEqual({ type: 'text', title: 'SLA: initial response due', description: 'When the promise is due (ISO-8601 UTC), written by SLA Desk' });
  expect(f.sla_state.type).toBe('text');
  // The SLA priority: one option per priority of every bundled preset, so S3 and S4 stay apart.
  const prio = f.sla_priority.custom_field_options.map((o: { value: string }) => o.value);
  expect(prio).toEqual(expect.arrayContaining(['sla_priority_p1', 'sla_priority_p4', 'sla_priority_s3', 'sla_priority_s4', 'sla_priority_s5']));
  expect(new Set(prio).size).toBe(prio.length);
});

test('requirements create the "SLA next breach" text field and the "SLA: next breach first" view, sorted on it, earliest first', () => {
  const r = JSON.parse(readFileSync(join(DIST, 'requirements.json'), 'utf8'));
  // Text: ISO-8601 UTC sorts in time order as text; a date field would drop the time of day.
  expect(r.ticket_fields.sla_next_breach).toMatchObject({ type: 'text', title: 'SLA next breach' });
  // Last, so that the ids of the fields before it (given in order at install) do not move.
  expect(Object.keys(r.ticket_fields).at(-1)).toBe('sla_next_breach');
  const v = r.views.sla_next_breach_first;
  expect(v.title).toBe('SLA: next breach first');
  expect(v.all).toEqual(expect.arrayContaining([{ field: 'status', operator: 'less_than', value: 'solved' }, { field: 'custom_fields_sla_next_breach', operator: 'present', value: null }]));
  expect(v.output).toMatchObject({ sort_by: 'sla_next_breach', sort_order: 'asc' });
  expect(v.output.columns).toEqual(expect.arrayContaining(['nice_id', 'sla_next_breach', 'sla_state']));
});

describe('the validator catches what Zendesk would refuse', () => {
  const broken = (change: (dir: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'zd-pkg-'));
    cpSync(DIST, dir, { recursive: true });
    change(dir);
    const found = validatePackage(dir);
    rmSync(dir, { recursive: true, force: true });
    return found.map((f) => f.message);
  };
  const edit = (dir: string, file: string, fn: (o: any) => void) => {
    const o = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    fn(o);
    writeFileSync(join(dir, file), JSON.stringify(o));
  };

  test('a location file that is not in the package', () => {
    expect(broken((d) => edit(d, 'manifest.json', (m) => (m.location.support.ticket_sidebar.url = 'assets/missing.html')))).toEqual(['manifest.json: assets/missing.html must be a file under assets/']);
  });
  test('an unknown parameter type and a hidden required parameter', () => {
    expect(
      broken((d) =>
        edit(d, 'manifest.json', (m) => {
          m.parameters[0].type = 'dropdown';
          m.parameters[1].type = 'hidden';
          m.parameters[1].required = true;
        }),
      ),
    ).toEqual(expect.arrayContaining(['manifest.json: parameter policy_preset has type dropdown', 'manifest.json: hidden parameter policy_document cannot be required']));
  });
  test('a requirement without a title, an unknown requirement type', () => {
    expect(
      broken((d) =>
        edit(d, 'requirements.json', (r) => {
          delete r.ticket_fields.sla_state.title;
          delete r.webhooks.sla_desk_service.status;
          r.widgets = {};
        }),
      ),
    ).toEqual(expect.arrayContaining(['requirements.json: unknown types widgets', 'requirements.json: ticket_fields.sla_state has no title', 'requirements.json: webhooks.sla_desk_service has no status']));
  });
  test('a view without a condition Zendesk anchors views on, an unsortable or unknown sort, too many columns', () => {
    expect(
      broken((d) =>
        edit(d, 'requirements.json', (r) => {
          const v = r.views.sla_next_breach_first;
          v.all = v.all.filter((c: { field: string }) => c.field !== 'status');
          v.output.sort_by = 'description';
          v.output.group_by = 'sla_nowhere';
          v.output.sort_order = 'up';
          v.output.columns = [...v.output.columns, 'type', 'brand', 'requester', 'organization'];
          r.views.other = { title: 'Other', all: [{ field: 'status', operator: 'is', value: 'open' }, { field: 'custom_fields_sla_gone', operator: 'present', value: null }], output: { columns: ['nice_id', 'sla_gone'] } };
        }),
      ),
    ).toEqual([
      'requirements.json: views.sla_next_breach_first: all needs a condition on status, type, group_id, assignee_id, requester_id',
      'requirements.json: views.sla_next_breach_first: 12 columns, at most 10',
      'requirements.json: views.sla_next_breach_first: sort_by description is a column views cannot sort by',
      'requirements.json: views.sla_next_breach_first: group_by "sla_nowhere" is not a column',
      'requirements.json: views.sla_next_breach_first: sort_order must be asc or desc',
      'requirements.json: views.other: condition on custom_fields_sla_gone, which is no ticket field of this app',
      'requirements.json: views.other: unknown column "sla_gone"',
    ]);
  });
  test('a view without a title', () => {
    expect(broken((d) => edit(d, 'requirements.json', (r) => delete r.views.sla_next_breach_first.title))).toEqual(['requirements.json: views.sla_next_breach_first has no title']);
  });
  test('a translation without the public-app keys or a parameter label', () => {
    expect(
      broken((d) =>
        edit(d, 'translations/en.json', (t) => {
          delete t.app.long_description;
          delete t.app.parameters.lead_groups;
        }),
      ),
    ).toEqual(expect.arrayContaining(['translations/en.json: app.long_description', 'translations/en.json: app.parameters.lead_groups.label is missing']));
  });
  test('a logo of the wrong size', () => {
    expect(broken((d) => cpSync(join(d, 'assets', 'logo-small.png'), join(d, 'assets', 'logo.png')))).toEqual(['assets/logo.png must be 320x320']);
  });
});

test('npm run package makes a zip of dist/ with manifest.json at its top level', async () => {
  const { execFileSync } = await import('child_process');
  const yauzl = await import('yauzl');
  const app = join(__dirname, '..');
  execFileSync(process.execPath, [join(app, 'scripts', 'package.mjs')], { cwd: app, stdio: 'pipe' });
  const out = mkdtempSync(join(tmpdir(), 'zd-zip-'));
  const names: string[] = [];
  await new Promise<void>((resolve, reject) => {
    yauzl.open(join(app, 'tmp', 'sla-desk-zendesk.zip'), { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      zip.on('entry', (entry: import('yauzl').Entry) => {
        names.push(entry.fileName);
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const target = join(out, entry.fileName);
          mkdirSync(dirname(target), { recursive: true });
          stream.pipe(createWriteStream(target)).on('close', () => zip.readEntry());
        });
      });
      zip.on('end', resolve);
      zip.readEntry();
    });
  });
  expect(names[0]).toBe('manifest.json');
  // Neither zcli's local settings nor the build's stamp, which dist/ holds too.
  expect(names.filter((n) => /zcli\.apps\.config\.json$|\.built$/.test(n))).toEqual([]);
  expect(validatePackage(out)).toEqual([]);
  expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toBe(readFileSync(join(DIST, 'manifest.json'), 'utf8'));
  rmSync(out, { recursive: true, force: true });
});
