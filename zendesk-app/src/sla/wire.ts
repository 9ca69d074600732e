import type { ZafClient } from '../zaf/types';
import { lockPriority, onFieldChange, onSave, setPriority, writeFields } from '../zaf/host';
import { decide, fieldWrites, isLead, slaPriorityOf, type Loaded } from './session';

/**
 * A loaded ticket kept in step with the Zendesk form: Impact, Urgency and Tier edits change its
 * form in place (and the priority follows), the SLA fields are written on save. Apart from React,
 * so that the page's first script wires it as soon as the ticket is in: an edit made while the UI's
 * script is still on its way is not lost. Listeners hear of every change.
 */
export interface Wired {
  /** The last save's SLA fields could not be written. */
  saveFailed: boolean;
  listen(listener: () => void): () => void;
}

// One wiring per loaded ticket: the first script and the UI both ask, and ZAF's handlers must be
// registered once.
const wired = new WeakMap<Loaded, Wired>();

export function wire(client: ZafClient, data: Loaded, clock: () => number): Wired {
  const known = wired.get(data);
  if (known) return known;
  const listeners = new Set<() => void>();
  const w: Wired = {
    saveFailed: false,
    listen: (l) => (listeners.add(l), () => void listeners.delete(l)),
  };
  wired.set(data, w);
  const changed = () => listeners.forEach((l) => l());

  const ids = data.fieldIds;
  const watch = (id: number | undefined, key: 'impact' | 'urgency' | 'tier', prefix: string) => {
    if (id === undefined) return;
    onFieldChange(client, id, (value) => {
      data.form[key] = value !== null && value.startsWith(prefix) ? value.slice(prefix.length) : null;
      if (key !== 'tier') void syncPriority();
      changed();
    });
  };
  watch(ids.impact, 'impact', 'sla_impact_');
  watch(ids.urgency, 'urgency', 'sla_urgency_');
  watch(ids.tier, 'tier', 'sla_tier_');
  // Severity and requester policies: the SLA priority field is the agent's choice, and the native
  // priority follows it at once (S4 sets "normal"), as the service would.
  if (ids.priority !== undefined && data.policy.classification.method !== 'matrix') {
    onFieldChange(client, ids.priority, (value) => {
      data.form.slaPriority = slaPriorityOf(data.policy, value);
      const native = data.form.slaPriority ? data.policy.priorities[data.form.slaPriority]?.zendesk : undefined;
      if (native && native !== data.form.priority) {
        data.form.priority = native;
        void setPriority(client, native);
      }
      changed();
    });
  }
  onSave(
    client,
    async () => {
      await writeFields(client, fieldWrites(data, decide(data, clock()).decision));
      if (w.saveFailed) ((w.saveFailed = false), changed());
    },
    () => ((w.saveFailed = true), changed()),
  );
  if (data.settings.lockPriority && !isLead(data.user, data.settings)) lockPriority(client);

  async function syncPriority() {
    const { decision } = decide(data, clock());
    const target = decision.priority.zendesk;
    // With no impact or urgency yet there is no priority: leave the agent's choice alone.
    if (data.policy.classification.method !== 'matrix' || !target || target === data.form.priority) return;
    data.form.priority = target;
    await setPriority(client, target);
  }
  return w;
}
