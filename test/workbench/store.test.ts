import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadStore } from '../../workbench/src/store';

/** The workbench's store never hands back a desk it cannot use. */
function load(dir: string): { state: unknown; logged: string[] } {
  const logged: string[] = [];
  const state = loadStore(dir, (t) => logged.push(t));
  return { state, logged };
}

const good = { version: 1, clock: Date.parse('2026-11-20T15:00:00Z'), policy: { preset: 'kiwi-stage-plus' }, zendesk: [], desk: [] };

test.each([
  ['a clock that is not an instant', { ...good, clock: 'tomorrow' }, 'clock "tomorrow" is not an instant in 2000-2099'],
  ['a clock far in the future', { ...good, clock: Date.parse('2999-01-01T00:00:00Z') }, 'clock 32472144000000 is not an instant in 2000-2099'],
  ['no policy', { ...good, policy: {} }, 'no policy (preset or document)'],
  ['no tickets', { ...good, zendesk: undefined }, 'no tickets'],
  ['a desk row without its ticket', { ...good, desk: [{ id: 3 }] }, 'desk row 3 has no Zendesk ticket'],
  ['Jira issues that are not a list', { ...good, jira: { 'DESK-1': {} } }, 'jira: not a list of issues'],
  ['app storage that is not pairs', { ...good, kvs: [['config']] }, 'kvs: not a list of [key, value] pairs'],
  ['queued Forge events that are not per queue', { ...good, queues: [{ body: {} }] }, 'queues: not a list of [queue key, events] pairs'],
])('%s: set aside, named in the log, and the sample desk restored', (_name, state, why) => {
  const dir = mkdtempSync(join(tmpdir(), 'sla-store-'));
  writeFileSync(join(dir, 'desk.json'), JSON.stringify(state));
  const r = load(dir);
  expect(r.state).toBeNull();
  expect(r.logged[0]).toContain(`could not be read (${why})`);
  expect(existsSync(join(dir, 'desk.json'))).toBe(false);
  expect(readdirSync(dir).some((f) => f.startsWith('desk.json.unreadable-'))).toBe(true);
});

test('a usable desk is loaded as it is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sla-store-'));
  writeFileSync(join(dir, 'desk.json'), JSON.stringify(good));
  expect(load(dir)).toEqual({ state: good, logged: [] });
});
