import { readFileSync } from 'fs';
import { join } from 'path';
import { parsePolicy, type Policy } from '@sla-desk/core';
import type { ZafClient, ZafGetResult } from '../src/zaf/types';

export function preset(id: string, edit: (text: string) => string = (t) => t): Policy {
  const { policy, problems } = parsePolicy(edit(readFileSync(join(__dirname, '..', '..', 'core', 'presets', `${id}.yaml`), 'utf8')));
  if (!policy) throw new Error(problems.map((p) => p.message).join());
  return policy;
}

/** zendesk-parity with its Group SLA on a Zendesk group id, as a Zendesk account writes it (the timeline's group is group_id). */
export function parityForGroup(groupId: string): Policy {
  return preset('zendesk-parity', (t) => {
    const edited = t.replace('group: Support,', `group: "${groupId}",`);
    if (edited === t) throw new Error('zendesk-parity no longer names its group as "group: Support,"');
    return edited;
  });
}

/** A ZAFClient stub: get answers from a table of paths, and every call is recorded. */
export function stubClient(values: Record<string, unknown>, requests: Record<string, unknown> = {}) {
  const calls: { method: string; args: unknown[] }[] = [];
  const client: ZafClient = {
    async get(paths) {
      calls.push({ method: 'get', args: [paths] });
      const out: ZafGetResult = {};
      for (const p of Array.isArray(paths) ? paths : [paths]) if (p in values) out[p] = values[p];
      return out;
    },
    async set(path, value) {
      calls.push({ method: 'set', args: [path, value] });
      values[path] = value;
      return {};
    },
    async invoke(name, ...args) {
      calls.push({ method: 'invoke', args: [name, ...args] });
      // ZAF's ticket.tags.add / ticket.tags.remove change only the tags they name.
      const named = (Array.isArray(args[0]) ? args[0] : [args[0]]) as string[];
      const tags = (values['ticket.tags'] as string[] | undefined) ?? [];
      if (name === 'ticket.tags.add') values['ticket.tags'] = [...tags, ...named.filter((x) => !tags.includes(x))];
      if (name === 'ticket.tags.remove') values['ticket.tags'] = tags.filter((x) => !named.includes(x));
      return {};
    },
    async request<T>(options: { url: string }) {
      calls.push({ method: 'request', args: [options] });
      if (!(options.url in requests)) throw Object.assign(new Error(`no stubbed answer for ${options.url}`), { status: 404 });
      const r = requests[options.url];
      if (r instanceof Error) throw r;
      return r as T;
    },
    on(event) {
      calls.push({ method: 'on', args: [event] });
    },
    async metadata() {
      return { settings: (values['__settings'] as Record<string, unknown>) ?? {} };
    },
    async context() {
      return { location: 'ticket_sidebar', ticketId: values['ticket.id'] as number };
    },
  };
  return { client, calls, values };
}
