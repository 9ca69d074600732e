import { createHash } from 'crypto';
import type { ServiceConfig } from './config';
import type { Query } from './db';
import type { Log } from './log';
import { queueReadsOfAll } from './queue';

/**
 * What a tenant's tickets were last evaluated under: the policy itself (not its id, so an edited
 * document or a preset changed by an upgrade counts), the fields, the tier source and the
 * priority rules. Secrets and addresses are left out: they change no due time.
 */
export function settingsFingerprint(cfg: ServiceConfig): string {
  const what = { policy: cfg.policy, fieldIds: cfg.fieldIds, tierSource: cfg.tierSource ?? { kind: 'ticket_field' }, lockPriority: cfg.lockPriority, leadGroupIds: cfg.leadGroupIds };
  return createHash('sha256').update(JSON.stringify(what)).digest('hex');
}

/**
 * After the settings changed (a preset switch, a pasted policy, other field ids), every open ticket
 * the store keeps is read and evaluated again, so its saved due times, state and tags follow the new
 * policy without waiting for someone to touch it. The first time a tenant is seen there is
 * nothing to compare with: its tickets were evaluated under these very settings. Each ticket is a
 * read job on the fair queue, so a large account is worked through at the queue's pace, under its
 * rate limits.
 */
export async function requeueIfSettingsChanged(q: Query, tenant: string, cfg: ServiceConfig, wall: number, log: Log): Promise<number> {
  const fp = settingsFingerprint(cfg);
  const [before] = await q.query<{ fingerprint: string }>(
    `WITH old AS (SELECT fingerprint FROM settings_seen WHERE tenant = $1)
     INSERT INTO settings_seen (tenant, fingerprint, seen_at) VALUES ($1, $2, $3)
     ON CONFLICT (tenant) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, seen_at = EXCLUDED.seen_at
     RETURNING (SELECT fingerprint FROM old) AS fingerprint`,
    [tenant, fp, wall],
  );
  if (!before?.fingerprint || before.fingerprint === fp) return 0;
  const queued = await queueReadsOfAll(q, tenant, wall);
  log({ level: 'info', msg: 'settings changed: open tickets queued for evaluation', tenant, queued });
  return queued;
}
