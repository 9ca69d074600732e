/**
 * @jest-environment jsdom
 */
import { act, fireEvent, render, screen } from '@testing-library/react';
import { evaluate, ticketView, TimelineSchema } from '@sla-desk/core';
import { readFileSync } from 'fs';
import { join } from 'path';
import { parsePolicy } from '@sla-desk/core';
import { TextDecoder } from 'util';

// jsdom has no TextDecoder, which every browser (and so Jira's UI Kit frame) has.
Object.assign(globalThis, { TextDecoder });

// UI Kit components rendered as plain elements that keep their props visible.
jest.mock('@forge/react', () => {
  const React = jest.requireActual('react');
  const el = (tag: string, name: string) => (props: Record<string, unknown>) =>
    React.createElement(tag, { 'data-ui': name, 'data-appearance': props.appearance, id: props.id }, props.children as never);
  return {
    __esModule: true,
    default: { render: () => undefined },
    Box: el('div', 'Box'),
    Stack: el('div', 'Stack'),
    Inline: el('div', 'Inline'),
    Heading: el('h4', 'Heading'),
    Text: el('span', 'Text'),
    Label: el('label', 'Label'),
    Lozenge: el('span', 'Lozenge'),
    SectionMessage: el('div', 'SectionMessage'),
    // As UI Kit's Button: type="button" unless told otherwise, so only the submit button submits a form.
    Button: (props: { type?: string; onClick?: () => void; appearance?: string; children?: unknown }) => React.createElement('button', { type: props.type ?? 'button', onClick: props.onClick, 'data-ui': 'Button', 'data-appearance': props.appearance }, props.children as never),
    Form: (props: { onSubmit(): void; children: unknown }) => React.createElement('form', { 'data-ui': 'Form', onSubmit: (e: Event) => (e.preventDefault(), props.onSubmit()) }, props.children),
    // The option a controlled Select shows (its `value`) is kept visible as data-shown.
    Select: (props: { id: string; options: { value: string }[]; value?: { label: string }; onChange(o: { value: string }): void }) =>
      React.createElement('select', { id: props.id, 'data-ui': 'Select', 'data-shown': props.value?.label, onChange: (e: { target: { value: string } }) => props.onChange({ value: e.target.value }) }, props.options.map((o) => React.createElement('option', { key: o.value, value: o.value }, o.value))),
    DynamicTable: (props: { caption: string; head: { cells: { key: string; content: string }[] }; rows: { key: string; cells: { key: string; content: string }[] }[] }) =>
      React.createElement(
        'table',
        { 'data-ui': 'DynamicTable', 'aria-label': props.caption },
        React.createElement('thead', null, React.createElement('tr', null, props.head.cells.map((c) => React.createElement('th', { key: c.key }, c.content)))),
        React.createElement('tbody', null, props.rows.map((r) => React.createElement('tr', { key: r.key, 'data-row': r.key }, r.cells.map((c) => React.createElement('td', { key: c.key }, c.content))))),
      ),
    // The numbered view keeps its text, its numbering and its highlighted lines visible.
    CodeBlock: (props: { text: string; showLineNumbers?: boolean; highlight?: string; language?: string }) =>
      React.createElement('pre', { 'data-ui': 'CodeBlock', 'data-numbered': String(!!props.showLineNumbers), 'data-highlight': props.highlight, 'data-language': props.language }, props.text),
    TextArea: (props: { id: string; value: string; onChange(e: unknown): void }) => React.createElement('textarea', { id: props.id, value: props.value, onChange: props.onChange }),
    FilePicker: (props: { label: string; onChange(files: { data: string; name: string }[]): void }) =>
      React.createElement('input', { type: 'file', 'aria-label': props.label, 'data-ui': 'FilePicker', onChange: (e: { target: { files: { data: string; name: string }[] } }) => props.onChange(e.target.files) }),
    Textfield: (props: { id: string; value: string; onChange(e: unknown): void }) => React.createElement('input', { id: props.id, value: props.value, onChange: props.onChange }),
    Checkbox: (props: { id: string; label: string; isChecked: boolean; onChange(e: unknown): void }) =>
      React.createElement('label', null, React.createElement('input', { type: 'checkbox', id: props.id, checked: props.isChecked, onChange: (e: { target: { checked: boolean } }) => props.onChange({ target: { checked: e.target.checked } }) }), props.label),
  };
});

const invoke = jest.fn();
jest.mock('@forge/bridge', () => ({ invoke: (...a: unknown[]) => invoke(...a) }));

import { Panel } from '../src/frontend/panel';
import { Glance } from '../src/frontend/glance';
import { Admin } from '../src/frontend/admin';

const kiwi = parsePolicy(readFileSync(join(__dirname, '..', '..', 'core', 'presets', 'kiwi-stage-plus.yaml'), 'utf8')).policy!;
const created = new Date(Date.now() - 20 * 60_000).toISOString();
const timeline = TimelineSchema.parse({ id: 'SUP-1', createdAt: created, fields: { impact: '2', urgency: '1', tier: 'plus', status: 'open' } });

function panelData(lead: boolean) {
  const view = ticketView(evaluate(kiwi, timeline, Date.now()), 'en', 'UTC', kiwi);
  return { ok: true, view, policy: kiwi, timeline, locale: 'en', timezone: 'UTC', policyName: kiwi.name, priorities: [{ id: 'P1', label: 'P1' }, { id: 'P2', label: 'P2' }], current: 'P2', lead };
}

beforeEach(() => invoke.mockReset());

test('the panel shows the view model: reason in labels, policy and tier apart, a state lozenge and a countdown per metric', async () => {
  invoke.mockResolvedValueOnce(panelData(false));
  await act(async () => void render(<Panel />));
  expect(await screen.findByText('Important × Critical → P2')).toBeTruthy();
  expect(screen.getByText('KIWI STAGE+ · Plus')).toBeTruthy();
  const lozenges = [...document.querySelectorAll('[data-ui="Lozenge"]')].map((l) => [l.textContent, l.getAttribute('data-appearance')]);
  // The tier is purple ("new"): never the blue of "Met".
  expect(lozenges[0]).toEqual(['Plus', 'new']);
  // Lozenges upper-case their text: they carry state words, never a duration such as "59M 56S".
  expect(lozenges.slice(1).every(([text]) => ['On track', 'At risk', 'Breached', 'Paused', 'Met', 'No SLA'].includes(text ?? ''))).toBe(true);
  expect(screen.getAllByText(/business time left|business time ago/).length).toBeGreaterThan(0);
  expect(screen.getAllByText('KIWI business hours, Toronto', { exact: false }).length).toBeGreaterThan(0);
  // "Why this due time?" opens the explanation, worked out by core from the same timeline.
  await act(async () => void fireEvent.click(screen.getAllByText('Why this due time?')[0]));
  expect(screen.getByText(/^Target 1h of business time, counted on KIWI business hours/)).toBeTruthy();
  expect(screen.getByText(/^Counted 1h 00m = the Target 1h\.$/)).toBeTruthy();
  expect(document.querySelector('[data-ui="Form"]')).toBeNull();
});

/** A lead's panel with its override form opened from its button, as on Zendesk. */
async function openOverride(data: ReturnType<typeof panelData> & Record<string, unknown> = panelData(true)) {
  invoke.mockResolvedValueOnce(data);
  await act(async () => void render(<Panel />));
  expect(document.querySelector('form')).toBeNull();
  await act(async () => void fireEvent.click(await screen.findByText('Override priority')));
  expect(document.querySelector('form')).toBeTruthy();
}

test('a lead opens the override form from a button; a refused override shows why, and the reason error goes once a reason is typed', async () => {
  await openOverride();
  invoke.mockResolvedValueOnce({ ok: false, problems: ['reason: a reason of at least 3 characters is required'] });
  await act(async () => void fireEvent.submit(document.querySelector('form')!));
  expect(invoke).toHaveBeenLastCalledWith('override', { to: 'P1', reason: '' });
  expect(await screen.findByText('reason: a reason of at least 3 characters is required')).toBeTruthy();
  fireEvent.change(document.getElementById('sla-override-reason')!, { target: { value: 'ab' } });
  expect(screen.queryByText(/^reason: /)).toBeTruthy();
  fireEvent.change(document.getElementById('sla-override-reason')!, { target: { value: 'Outage' } });
  expect(screen.queryByText(/^reason: /)).toBeNull();
  // Cancel closes it; opened again, it starts empty.
  await act(async () => void fireEvent.click(screen.getByText('Cancel')));
  expect(document.querySelector('form')).toBeNull();
  await act(async () => void fireEvent.click(screen.getByText('Override priority')));
  expect((document.getElementById('sla-override-reason') as HTMLTextAreaElement).value).toBe('');
});

test('an applied override closes the form; opened again, its fields are reset and it starts from the new priority', async () => {
  await openOverride();
  fireEvent.change(document.getElementById('sla-override-reason')!, { target: { value: 'Outage for all users' } });
  invoke.mockResolvedValueOnce({ ok: true });
  invoke.mockResolvedValueOnce({ ...panelData(true), current: 'P1' });
  await act(async () => void fireEvent.submit(document.querySelector('form')!));
  expect(invoke).toHaveBeenCalledWith('override', { to: 'P1', reason: 'Outage for all users' });
  expect(document.querySelector('form')).toBeNull();
  await act(async () => void fireEvent.click(screen.getByText('Override priority')));
  expect((document.getElementById('sla-override-reason') as HTMLTextAreaElement).value).toBe('');
  // P1 is now the priority: the first other one, P2, is chosen, and the preview is for it.
  invoke.mockResolvedValueOnce({ ok: true });
  invoke.mockResolvedValueOnce(panelData(true));
  fireEvent.change(document.getElementById('sla-override-reason')!, { target: { value: 'Back to normal' } });
  await act(async () => void fireEvent.submit(document.querySelector('form')!));
  expect(invoke).toHaveBeenCalledWith('override', { to: 'P2', reason: 'Back to normal' });
});

test('the override preview warns when the new priority makes resolution due before the first response', async () => {
  // KIWI Plus P3 is 4h and 2d; Basic P3 is 8h and 4h.
  const basic = TimelineSchema.parse({ ...timeline, fields: { ...timeline.fields, tier: 'basic' } });
  await openOverride({ ...panelData(true), timeline: basic, priorities: ['P1', 'P2', 'P3'].map((id) => ({ id, label: id })) });
  expect(screen.queryByText(/would be due before/)).toBeNull();
  await act(async () => void fireEvent.change(document.getElementById('sla-override-to')!, { target: { value: 'P3' } }));
  expect(screen.getByText('Resolution would be due before Initial response: the ticket would have to be solved before anyone answers it.')).toBeTruthy();
});

test("the notice is in the reporter's Jira language when Jira gives it, and the form says so", async () => {
  await openOverride({ ...panelData(true), requesterLocale: 'en-US' });
  await act(async () => void fireEvent.click(document.getElementById('sla-override-notify')!));
  expect((document.getElementById('sla-override-notice') as HTMLTextAreaElement).value).toMatch(/^We have changed the priority of your request to P1\./);
  expect(screen.getByText('The requester is told in English (their Jira language).')).toBeTruthy();
});

test('a lead sees the new due times before confirming an override', async () => {
  await openOverride();
  // The first priority other than the current one is chosen to begin with: P1.
  expect(screen.getByText('New due times')).toBeTruthy();
  expect(screen.getByText(/^Initial response: .* → .*/)).toBeTruthy();
  // Telling the requester: the default text is theirs (the policy's language), without the reason.
  await act(async () => void fireEvent.click(document.getElementById('sla-override-notify')!));
  const notice = document.getElementById('sla-override-notice') as HTMLTextAreaElement;
  expect(notice.value).toBe('Nous avons changé la priorité de votre demande : elle est maintenant P1. Nous vous tiendrons informé de son avancement.');
  expect(screen.getByText("The requester is told in French (the policy's language: Jira does not give the requester's).")).toBeTruthy();
  fireEvent.change(document.getElementById('sla-override-reason')!, { target: { value: 'Outage for all users' } });
  invoke.mockResolvedValueOnce({ ok: true });
  invoke.mockResolvedValueOnce(panelData(true));
  await act(async () => void fireEvent.submit(document.querySelector('form')!));
  expect(invoke).toHaveBeenCalledWith('override', { to: 'P1', reason: 'Outage for all users', notify: true, notice: notice.value });
});

test('a recurring Metric shows its open cycle\'s countdown with how its ended cycles went: "1 of 2 met"', async () => {
  const parity = parsePolicy(readFileSync(join(__dirname, '..', '..', 'core', 'presets', 'zendesk-parity.yaml'), 'utf8')).policy!;
  const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString();
  const reply = (min: number, author: 'agent' | 'requester') => ({ type: 'reply' as const, at: ago(min), public: true, author });
  // High: next reply 4h. Waited 6h (breached), then 30 min (met); the customer wrote again 30 min ago.
  const tl = TimelineSchema.parse({ id: 'SUP-2', createdAt: ago(600), fields: { priority: 'high', status: 'open' }, events: [reply(590, 'agent'), reply(540, 'requester'), reply(180, 'agent'), reply(150, 'requester'), reply(120, 'agent'), reply(30, 'requester')] });
  const view = ticketView(evaluate(parity, tl, Date.now()), 'en', 'UTC', parity);
  invoke.mockResolvedValueOnce({ ok: true, view, policy: parity, timeline: tl, locale: 'en', timezone: 'UTC', policyName: parity.name, priorities: [], current: 'high', lead: false });
  await act(async () => void render(<Panel />));
  const line = await screen.findByText(/^3h (29|30)m left · 1 of 2 met$/);
  // Under the Metric's own label, with its due.
  expect(line.closest('[data-ui="Stack"]')!.textContent).toMatch(/^Next reply time/);
  expect(line.closest('[data-ui="Stack"]')!.textContent).toContain('Due ');
});

test('the panel names the rule that matched and shows the ladder\'s level and the next (issue 20)', async () => {
  // jsm-parity around the clock, so that the panel's live evaluation (now) gives the same levels at any hour.
  const text = readFileSync(join(__dirname, '..', '..', 'core', 'presets', 'jsm-parity.yaml'), 'utf8').replace(/^calendar: nine_to_five$/m, 'calendar: 24x7');
  const jsm = parsePolicy(text).policy!;
  // A VIP (by its label) High issue, 150 minutes old: its 4h resolution is past level 1 (half) and before level 2 (90 %).
  const tl = TimelineSchema.parse({ id: 'SUP-3', createdAt: new Date(Date.now() - 150 * 60_000).toISOString(), fields: { priority: 'High', status: 'open' }, tags: ['vip'] });
  const view = ticketView(evaluate(jsm, tl, Date.now()), 'en', 'UTC', jsm);
  invoke.mockResolvedValueOnce({ ok: true, view, policy: jsm, timeline: tl, locale: 'en', timezone: 'UTC', policyName: jsm.name, priorities: [], current: 'High', lead: false });
  await act(async () => void render(<Panel />));
  expect(await screen.findByText('Rule 1: VIP organizations')).toBeTruthy();
  expect(screen.getByText(/^Level 1 of 4: Tell the assignee · level 2 of 4 at .+ UTC$/)).toBeTruthy();
});

test('a configuration problem is shown instead of the view', async () => {
  invoke.mockResolvedValueOnce({ ok: false, problems: ['policy: unknown preset "gold"'] });
  await act(async () => void render(<Panel />));
  expect(await screen.findByText('policy: unknown preset "gold"')).toBeTruthy();
});

test('the glance heads its view with the live line "P2 · Plus · <metric>: … left"', async () => {
  // A fixed clock, so the line is known: the glance's view and this expectation read the same now.
  const now = jest.spyOn(Date, 'now').mockReturnValue(Date.parse(created) + 20 * 60_000);
  try {
    const data = panelData(false);
    invoke.mockResolvedValueOnce(data);
    await act(async () => void render(<Glance />));
    const live = data.view.metrics.find((m) => m.state !== 'met' && m.state !== 'not_applicable')!;
    expect(await screen.findByText(`P2 · Plus · ${live.label}: ${live.text}`)).toBeTruthy();
  } finally {
    now.mockRestore();
  }
});

test('the admin page: the preset box names the active preset, says "edited" once a policy is in the box, and a preset picked empties the box so Save saves it', async () => {
  const config = { policy: { preset: 'kiwi-stage-plus' }, map: { pauseStatuses: [], doneStatuses: ['Done'] }, fields: { due: {} }, leadGroups: [] };
  invoke.mockResolvedValueOnce({ config, presets: [{ id: 'kiwi-stage-plus', name: 'KIWI' }, { id: 'scalr', name: 'Scalr' }], problems: [] });
  await act(async () => void render(<Admin />));
  await screen.findByText('Tier field id');
  const box = () => document.getElementById('preset')!.getAttribute('data-shown');
  expect(box()).toBe('KIWI');
  await act(async () => void fireEvent.change(document.getElementById('doc')!, { target: { value: 'sla: 1\nid: mine\n' } }));
  expect(box()).toBe('edited (the policy below)');
  await act(async () => void fireEvent.change(document.getElementById('preset')!, { target: { value: 'scalr' } }));
  expect(box()).toBe('Scalr');
  expect((document.getElementById('doc') as HTMLTextAreaElement).value).toBe('');
  invoke.mockResolvedValueOnce({ ok: true, warnings: [], recalculation: null });
  await act(async () => void fireEvent.submit(document.querySelector('form')!));
  expect(invoke).toHaveBeenLastCalledWith('setConfig', { config: expect.objectContaining({ policy: { preset: 'scalr' } }) });
});

test('the admin page shows what each tier promises under the saved policy, and the table the save came back with', async () => {
  const config = { policy: { document: 'sla: 1' }, map: { pauseStatuses: [], doneStatuses: ['Done'] }, fields: { due: {} }, leadGroups: [] };
  const { promiseTable } = jest.requireActual('@sla-desk/core') as typeof import('@sla-desk/core');
  invoke.mockResolvedValueOnce({ config, presets: [{ id: 'kiwi-stage-plus', name: 'KIWI' }], problems: [], promises: promiseTable(kiwi) });
  await act(async () => void render(<Admin />));
  await screen.findByText('What each tier promises');
  // A saved pasted policy: the box says so.
  expect(document.getElementById('preset')!.getAttribute('data-shown')).toBe('edited (the policy below)');
  const cells = (key: string) => [...document.querySelectorAll(`tr[data-row="${key}"] td`)].map((td) => td.textContent);
  expect([...document.querySelectorAll('th')].map((th) => th.textContent)).toEqual(['Tier', 'Priority', 'Initial response', 'Resolution', 'Calendar']);
  expect(cells('basic.P3')).toEqual(['Basic', 'P3', '8h', '4h', 'KIWI business hours, Toronto']);
  expect(cells('plus.P1')).toEqual(['Plus', 'P1', '30m on 24/7', '4h on 24/7', 'KIWI business hours, Toronto']);
  const without = { ...promiseTable(kiwi), rows: promiseTable(kiwi).rows.map((r) => ({ ...r, targets: r.tier === 'basic' && r.priority === 'P4' ? [null, null] : r.targets })) };
  invoke.mockResolvedValueOnce({ ok: true, warnings: [], recalculation: null, promises: without });
  await act(async () => void fireEvent.submit(document.querySelector('form')!));
  expect(cells('basic.P4')).toEqual(['Basic', 'P4', '—', '—', 'KIWI business hours, Toronto']);
});

test('the admin page asks for the Organizations field only when the tier comes from the JSM organization, and saves the lead roles', async () => {
  const config = { policy: { preset: 'kiwi-stage-plus' }, map: { pauseStatuses: [], doneStatuses: ['Done'] }, fields: { due: {} }, leadGroups: [] };
  invoke.mockResolvedValueOnce({ config, presets: [{ id: 'kiwi-stage-plus', name: 'KIWI' }], problems: [] });
  await act(async () => void render(<Admin />));
  await screen.findByText('Tier field id');
  expect(document.getElementById('organizations')).toBeNull();
  await act(async () => void fireEvent.change(document.getElementById('tierSource')!, { target: { value: 'organization' } }));
  expect(screen.queryByText('Tier field id')).toBeNull();
  await act(async () => void fireEvent.change(document.getElementById('organizations')!, { target: { value: 'customfield_10002' } }));
  await act(async () => void fireEvent.change(document.getElementById('roles')!, { target: { value: 'Triage leads, Service owners' } }));
  // The group that owns the issue, for group_ownership Metrics: a field id, or the components.
  await act(async () => void fireEvent.change(document.getElementById('group')!, { target: { value: 'components' } }));
  invoke.mockResolvedValueOnce({ ok: true });
  await act(async () => void fireEvent.submit(document.querySelector('form')!));
  const saved = invoke.mock.calls.at(-1)![1].config;
  expect(saved.map).toMatchObject({ tierSource: 'organization', organizations: 'customfield_10002', group: 'components' });
  expect(saved.leadRoles).toEqual(['Triage leads', 'Service owners']);
  expect(await screen.findByText('Saved.')).toBeTruthy();
});

test('the admin page starts "Recalculate open issues" and follows its progress until it is done', async () => {
  jest.useFakeTimers();
  try {
    const config = { policy: { preset: 'kiwi-stage-plus' }, map: { pauseStatuses: [], doneStatuses: ['Done'] }, fields: { due: {} }, leadGroups: [] };
    invoke.mockResolvedValueOnce({ config, presets: [], problems: [] });
    await act(async () => void render(<Admin />));
    const running = { runId: '1', state: 'running', pages: 0, issues: 0, written: 0, retries: 0, startedAt: 'x' };
    invoke.mockResolvedValueOnce({ ok: true, progress: running });
    await act(async () => void fireEvent.click(screen.getByText('Recalculate open issues')));
    expect(invoke).toHaveBeenLastCalledWith('recalculate', undefined);
    expect(screen.getByText(/Recalculation running: 0 issues in 0 pages/)).toBeTruthy();
    invoke.mockResolvedValueOnce({ ...running, state: 'done', pages: 3, issues: 120, written: 118, retries: 1 });
    await act(async () => void jest.advanceTimersByTime(3000));
    expect(invoke).toHaveBeenLastCalledWith('recalculationProgress', undefined);
    expect(screen.getByText('Recalculation done: 120 issues in 3 pages, 118 updated, 1 page retry')).toBeTruthy();
  } finally {
    jest.useRealTimers();
  }
});

test("a policy that does not check is shown numbered, with its problems' lines marked, until the box changes", async () => {
  const config = { policy: { preset: 'kiwi-stage-plus' }, map: { pauseStatuses: [], doneStatuses: ['Done'] }, fields: { due: {} }, leadGroups: [] };
  invoke.mockResolvedValueOnce({ config, presets: [], problems: [] });
  await act(async () => void render(<Admin />));
  const bad = 'name: mine\nmatrix: [\n';
  await act(async () => void fireEvent.change(document.getElementById('doc')!, { target: { value: bad } }));
  expect(document.querySelector('[data-ui="CodeBlock"]')).toBeNull();
  // What setConfig answers for it (resolvers.test.ts checks the resolver's lines).
  invoke.mockResolvedValueOnce({ ok: false, problems: ['line 3, column 1: not valid YAML or JSON'], lines: [3] });
  await act(async () => void fireEvent.submit(document.querySelector('form')!));
  const block = document.querySelector('[data-ui="CodeBlock"]')!;
  expect([block.textContent, block.getAttribute('data-numbered'), block.getAttribute('data-highlight'), block.getAttribute('data-language')]).toEqual([bad, 'true', '3', 'yaml']);
  expect(screen.getByText('The policy as saved, numbered; line 3 has a problem:')).toBeTruthy();
  // An edit makes the numbered copy stale: it goes until the next save.
  await act(async () => void fireEvent.change(document.getElementById('doc')!, { target: { value: `${bad}]` } }));
  expect(document.querySelector('[data-ui="CodeBlock"]')).toBeNull();
});

test('the admin page takes an uploaded policy file into the policy text, and saves it', async () => {
  const config = { policy: { preset: 'kiwi-stage-plus' }, map: { pauseStatuses: [], doneStatuses: ['Done'] }, fields: { due: {} }, leadGroups: [] };
  invoke.mockResolvedValueOnce({ config, presets: [], problems: [] });
  await act(async () => void render(<Admin />));
  const yaml = readFileSync(join(__dirname, '..', '..', 'core', 'presets', 'scalr.yaml'), 'utf8');
  const data = `data:application/x-yaml;base64,${Buffer.from(yaml, 'utf8').toString('base64')}`;
  const picker = screen.getByLabelText('Or upload a policy file');
  await act(async () => void fireEvent.change(picker, { target: { files: [{ name: 'scalr.yaml', data }] } }));
  expect((document.getElementById('doc') as HTMLTextAreaElement).value).toBe(yaml);
  invoke.mockResolvedValueOnce({ ok: true });
  await act(async () => void fireEvent.submit(document.querySelector('form')!));
  expect(invoke.mock.calls.at(-1)![1].config.policy).toEqual({ document: yaml });
});

test('the admin page tells a non-admin the server refused, and shows no form', async () => {
  invoke.mockResolvedValueOnce({ ok: false, problems: ['Only Jira administrators can change SLA Desk (Administer Jira).'] });
  await act(async () => void render(<Admin />));
  expect(await screen.findByText('Only Jira administrators can change SLA Desk (Administer Jira).')).toBeTruthy();
  expect(document.querySelector('form')).toBeNull();
});

test('the panel says Jira\'s own priority is not the SLA\'s, and offers "Mark as met" that calls the server', async () => {
  invoke.mockResolvedValueOnce({ ...panelData(false), nativePriority: 'Medium', metButtons: [{ metric: 'critical_notice', label: 'Critical issue notification' }] });
  await act(async () => void render(<Panel />));
  expect(await screen.findByText('Jira\'s own priority "Medium" is not the SLA\'s.')).toBeTruthy();
  invoke.mockResolvedValueOnce({ ok: true });
  invoke.mockResolvedValueOnce({ ...panelData(false), metButtons: [] });
  await act(async () => void fireEvent.click(screen.getByText('Mark as met: Critical issue notification')));
  expect(invoke).toHaveBeenCalledWith('markMet', { metric: 'critical_notice' });
  expect(screen.queryByText('Mark as met: Critical issue notification')).toBeNull();
});

test('the admin page shows the warnings a save came back with (a project\'s priority scheme lacks a priority)', async () => {
  const config = { policy: { preset: 'kiwi-stage-plus' }, map: { pauseStatuses: [], doneStatuses: ['Done'] }, fields: { due: {} }, leadGroups: [] };
  invoke.mockResolvedValueOnce({ config, presets: [], problems: [] });
  await act(async () => void render(<Admin />));
  const warning = 'priorities.P1.jira: the priority scheme "Ops priorities" (projects OPS) has no priority "Highest": on those projects SLA Desk leaves Jira\'s priority as it is, and an override to P1 is refused';
  invoke.mockResolvedValueOnce({ ok: true, warnings: [warning] });
  await act(async () => void fireEvent.submit(document.querySelector('form')!));
  expect(await screen.findByText('Saved.')).toBeTruthy();
  expect(screen.getByText(warning).closest('[data-ui="SectionMessage"]')!.getAttribute('data-appearance')).toBe('warning');
});

test('when storage cannot be read the admin page shows why and offers no form, so nothing can be saved over the real configuration', async () => {
  invoke.mockResolvedValueOnce({ ok: false, problems: ['Forge storage could not be read (RATE_LIMIT_EXCEEDED); the SLA Desk configuration is unknown, so nothing was evaluated or saved. Try again.'] });
  await act(async () => void render(<Admin />));
  expect(await screen.findByText(/Forge storage could not be read/)).toBeTruthy();
  expect(document.querySelector('form')).toBeNull();
});

describe('issue 18: what a save does to the open issues, and the fields\' screens', () => {
  const config = { policy: { preset: 'kiwi-stage-plus' }, map: { pauseStatuses: [], doneStatuses: ['Done'] }, fields: { due: {} }, leadGroups: [] };
  const running = { runId: '1', state: 'running', pages: 0, issues: 0, written: 0, retries: 0, startedAt: 'x' };

  test('a save that changed the policy says the open issues are being recalculated, and shows the progress', async () => {
    invoke.mockResolvedValueOnce({ config, presets: [], problems: [] });
    await act(async () => void render(<Admin />));
    invoke.mockResolvedValueOnce({ ok: true, warnings: [], recalculation: { started: true, because: ['policy'], progress: running } });
    await act(async () => void fireEvent.submit(document.querySelector('form')!));
    expect(await screen.findByText('Saved. The policy changed, so SLA Desk is recalculating the open issues (progress below).')).toBeTruthy();
    expect(screen.getByText(/Recalculation running: 0 issues in 0 pages/)).toBeTruthy();
  });

  test('a save that changed nothing evaluations read says so, and one whose start failed says what to do', async () => {
    invoke.mockResolvedValueOnce({ config, presets: [], problems: [] });
    await act(async () => void render(<Admin />));
    invoke.mockResolvedValueOnce({ ok: true, warnings: [], recalculation: null });
    await act(async () => void fireEvent.submit(document.querySelector('form')!));
    expect(await screen.findByText('Saved. Nothing the SLAs depend on changed, so the open issues keep their SLA fields.')).toBeTruthy();
    const problem = 'Saved, but the recalculation of open issues did not start (queue unavailable). Press "Recalculate open issues".';
    invoke.mockResolvedValueOnce({ ok: true, warnings: [], recalculation: { started: false, because: ['map'], problem } });
    await act(async () => void fireEvent.submit(document.querySelector('form')!));
    expect(await screen.findByText('Saved. The field mapping changed.')).toBeTruthy();
    expect(screen.getByText(problem).closest('[data-ui="SectionMessage"]')!.getAttribute('data-appearance')).toBe('warning');
    expect(screen.queryByText(/Recalculation running/)).toBeNull();
  });

  test('after "Create the fields" the admin page shows, step by step, how to put them on the projects\' screens', async () => {
    invoke.mockResolvedValueOnce({ config, presets: [], problems: [] });
    await act(async () => void render(<Admin />));
    expect(screen.queryByText(/^Jira refuses a value for a field/)).toBeNull();
    invoke.mockResolvedValueOnce({ ok: true, created: ['Impact', 'Urgency', 'Tier'], map: { ...config.map, impact: 'customfield_10100', urgency: 'customfield_10103', tier: 'customfield_10106' } });
    await act(async () => void fireEvent.click(screen.getByText('Create the Impact, Urgency and Tier fields')));
    expect(screen.getByText(/^Jira refuses a value for a field that is not on the issue's screen/)).toBeTruthy();
    expect(screen.getByText(/^1\. Company-managed projects: in Jira settings > Issues > Screens, .*add Impact \(customfield_10100\), Urgency \(customfield_10103\), Tier \(customfield_10106\)\.$/)).toBeTruthy();
    expect(screen.getByText(/^3\. Team-managed projects: in Project settings > Issue types/)).toBeTruthy();
  });

  test('the panel says which empty field the issue\'s edit screen lacks, and whom to ask', async () => {
    invoke.mockResolvedValueOnce({ ...panelData(false), offScreen: ['Impact'] });
    await act(async () => void render(<Panel />));
    const text = "Impact is not on this issue's edit screen, so nobody can set it here. A Jira admin can add it (see SLA Desk's admin page).";
    expect((await screen.findByText(text)).closest('[data-ui="SectionMessage"]')!.getAttribute('data-appearance')).toBe('warning');
  });
});

test('the admin page offers the queue\'s JQL (by next breach, soonest first) to save as a filter', async () => {
  const config = { policy: { preset: 'kiwi-stage-plus' }, map: { pauseStatuses: [], doneStatuses: ['Done'] }, fields: { due: {} }, leadGroups: [] };
  invoke.mockResolvedValueOnce({ config, presets: [], problems: [] });
  await act(async () => void render(<Admin />));
  await screen.findByText('A queue by next breach');
  expect((document.getElementById('queueJql') as HTMLInputElement).value).toBe('"SLA next breach" is not EMPTY AND statusCategory != Done ORDER BY "SLA next breach" ASC');
});
