import type { ZafClient } from './types';

/**
 * The sidebar's side effects on the Zendesk form, in one place: components call these, never the
 * ZAF client. Each wraps one documented ZAF call (HOSTS.md).
 */

/** Calls `handler` with the new tagger value whenever the custom field changes in the form. */
export function onFieldChange(client: ZafClient, fieldId: number, handler: (value: string | null) => void): void {
  client.on(`ticket.custom_field_${fieldId}.changed`, (value: unknown) => handler(typeof value === 'string' ? value : null));
}

/**
 * Runs `work` when the agent saves. Whatever happens, the save goes through: ZAF blocks a save when
 * the hook returns false, a string or an Error, or rejects, so this always resolves to true.
 */
export function onSave(client: ZafClient, work: () => Promise<void>, onFailure: (e: unknown) => void): void {
  client.on('ticket.save', async () => {
    try {
      await work();
    } catch (e) {
      onFailure(e);
    }
    return true;
  });
}

/** Writes into the form: fields with set, tags with ticket.tags.add / ticket.tags.remove (HOSTS.md: each changes only the tags named). */
export async function writeFields(client: ZafClient, writes: readonly ({ path: string; value: unknown } | { tags: 'add' | 'remove'; value: string[] })[]): Promise<void> {
  for (const w of writes) {
    if ('path' in w) await client.set(w.path, w.value);
    else await client.invoke(`ticket.tags.${w.tags}`, w.value);
  }
}

/** Sets the native priority in the form; a failure leaves the agent's value and is not fatal. */
export function setPriority(client: ZafClient, zendeskPriority: string): Promise<void> {
  return client.set('ticket.priority', zendeskPriority).then(
    () => undefined,
    () => undefined,
  );
}

/** Makes the native priority field read-only for this agent. */
export function lockPriority(client: ZafClient): void {
  void client.invoke('ticketFields:priority.disable').catch(() => undefined);
}

/** Sizes the app's iframe to its content. */
export function resize(client: ZafClient, height: number): void {
  void client.invoke('resize', { width: '100%', height: `${Math.ceil(height)}px` }).catch(() => undefined);
}
