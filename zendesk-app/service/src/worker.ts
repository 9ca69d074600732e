import { randomBytes } from 'crypto';
import type { Agent } from 'https';
import { hostname } from 'os';
import { catchUp, CATCH_UP_MS } from './catchup';
import { historyRound, HISTORY_EVERY_MS } from './history';
import type { Db } from './db';
import { pruneNotices, sendNotices } from './ladder';
import type { Log } from './log';
import type { NotifyPolicy } from './notify';
import { runPass } from './pass';
import { claimJobs, completeJob, extendLease, failJob, promoteDue, pruneDeliveries, tenantExists, type Job } from './queue';
import { requeueIfSettingsChanged } from './reevaluate';
import { followAppSettings } from './connect';
import { connectionState, DisconnectedError } from './oauth';
import { purgeDisconnected } from './retention';
import { REPLAY_WINDOW_MS } from './signature';
import type { Stats } from './stats';
import { ENV_TENANT, type Tenant, type Tenants } from './tenants';
import { retryAfterOf } from './zendesk';

export const MAX_ATTEMPTS = 8;
/** The longest Retry-After the queue waits out; a longer one counts as a failed try. */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;
/** Verified webhook requests in flight above which the worker slows down for them. */
const BURST = 32;
const PRUNE_EVERY_MS = 60_000;
/** Tenants whose catch-up runs at once: one whose Zendesk hangs holds up only its own round. */
const CATCH_UP_LANES = 4;

export function defaultBackoff(attempts: number): number {
  const base = Math.min(5 * 60_000, 1_000 * 2 ** attempts);
  return Math.round(base * (0.5 + Math.random() / 2));
}

export interface WorkerOptions {
  /** Hosts (host or host:port) a tenant's SLA_NOTIFY_URL may name whatever they resolve to (SLA_NOTIFY_ALLOW_HOSTS). */
  notifyAllowHosts?: string[];
  /** The https agent for notices to trusted URLs (tests: a loopback receiver with its own certificate). */
  notifyAgent?: Agent;
  /** Worker slots one tenant may hold at once (default: all but 4 of them). */
  slotsPerTenant?: number;
  /** How often each tenant's ticket export is read for changes no delivery brought (default 5 minutes; 0: never). */
  catchUpMs?: number;
  /** How often each account's reports' history reads one more export page (history.ts; default a minute while the catch-up runs, 0: never). */
  historyMs?: number;
  instanceId?: string;
  pollMs?: number;
  leaseMs?: number;
  maxAttempts?: number;
  concurrency?: number;
  /** Back-off before try n (ms), when Zendesk sent no longer Retry-After. */
  backoffMs?: (attempts: number) => number;
  /** false: answer webhooks only; another instance works the queue. */
  worker?: boolean;
  /** How often the accounts connected with the global OAuth client have their app's settings read again (default a minute). */
  appSettingsMs?: number;
  /** How long a disconnected account's data is kept (retention.ts; default 30 days). */
  retentionMs?: number;
}

export interface WorkerDeps {
  db: Db;
  tenants: Tenants;
  stats: Stats;
  log: Log;
  /** The SLA clock; the queue's leases and back-off use the wall clock. */
  now: () => number;
  /** Stored tenants share the slots; the environment's tenant alone has every one. */
  multi: boolean;
  /** The Marketplace app's id, with the global OAuth client: its installations' settings are followed. */
  appId?: number;
}

/** The options with their defaults, and the slots each tenant may hold. */
function settingsOf(opts: WorkerOptions, multi: boolean) {
  const concurrency = opts.concurrency ?? 16;
  // With stored tenants, a quarter of the slots waits for tenants that have nothing running, and no
  // tenant holds more than the rest.
  const reserve = multi ? Math.max(1, Math.floor(concurrency / 4)) : 0;
  return {
    pollMs: opts.pollMs ?? 1_000,
    leaseMs: opts.leaseMs ?? 60_000,
    maxAttempts: opts.maxAttempts ?? MAX_ATTEMPTS,
    concurrency,
    reserve,
    perTenant: Math.max(1, Math.min(concurrency, opts.slotsPerTenant ?? concurrency - reserve)),
    backoff: opts.backoffMs ?? defaultBackoff,
    catchUpMs: opts.catchUpMs ?? CATCH_UP_MS,
    historyMs: opts.historyMs ?? ((opts.catchUpMs ?? CATCH_UP_MS) ? HISTORY_EVERY_MS : 0),
  };
}

/**
 * The worker: due transitions become jobs, then up to `concurrency` jobs run at once, each a pass
 * (pass.ts) under a lease; beside them the ladder's notices go out and each tenant's export is
 * read for what no delivery brought. Its round runs every pollMs, or at once when woken.
 */
export class Worker {
  readonly instanceId: string;
  private readonly s: ReturnType<typeof settingsOf>;
  private readonly allowHosts: ReadonlySet<string>;
  private running = 0;
  private inflight = 0;
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private lastPrune = 0;
  private lastCatchUp = -Infinity;
  private sendingNotices: Promise<number> | null = null;
  private catching: Promise<void> | null = null;
  private historying: Promise<void> | null = null;
  private lastHistory = -Infinity;
  private following: Promise<void> | null = null;
  private lastFollow = -Infinity;
  private loop: Promise<void> = Promise.resolve();
  private readonly active = new Set<Promise<void>>();

  constructor(
    private readonly d: WorkerDeps,
    private readonly opts: WorkerOptions,
  ) {
    this.instanceId = opts.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.s = settingsOf(opts, d.multi);
    this.allowHosts = new Set((opts.notifyAllowHosts ?? []).map((h) => h.toLowerCase()));
  }

  /** The loop, unless this instance only answers webhooks. */
  start(): void {
    if (this.opts.worker !== false) this.loop = this.run();
  }

  wake(): void {
    this.wakeUp?.();
  }

  /** Counts a verified delivery until the returned function is called: during a burst the worker gives way to the answers. */
  answering(): () => void {
    this.inflight++;
    return () => void this.inflight--;
  }

  /** A new job wakes an idle worker at once (not during a burst: it would only ask the store again). */
  queued(): void {
    if (this.inflight <= BURST) this.wake();
  }

  /** One round: returns how many jobs it started. */
  readonly tick = async (): Promise<number> => {
    const wall = Date.now();
    await this.prune(wall);
    this.sendNotices(wall);
    // Answering Zendesk comes first: during a burst of deliveries the worker runs two passes at a
    // time (so that it never stops under a steady load), and the answers keep the CPU and the store.
    const free = (this.inflight > BURST ? 2 : this.s.concurrency) - this.running;
    if (free <= 0) return 0;
    await promoteDue(this.d.db, this.d.now(), wall);
    const jobs = await claimJobs(this.d.db, this.instanceId, wall, this.s.leaseMs, free, this.s.perTenant, this.s.concurrency, this.s.reserve);
    for (const job of jobs) this.track(job);
    return jobs.length;
  };

  /** Resolves when no job is runnable and no transition is due. */
  readonly drain = async (timeoutMs = 30_000): Promise<void> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const [r] = await this.d.db.query<{ jobs: number; due: number }>(`SELECT (SELECT count(*)::int FROM jobs WHERE state = 'queued') AS jobs, (SELECT count(*)::int FROM tickets WHERE next_at IS NOT NULL AND next_at <= $1) AS due`, [this.d.now()]);
      if (r.jobs === 0 && r.due === 0 && this.running === 0) return;
      if (Date.now() > until) throw new Error(`not drained in ${timeoutMs} ms: ${r.jobs} jobs, ${r.due} due transitions, ${this.running} running`);
      if (this.opts.worker === false) await this.tick().catch(() => 0);
      else this.wake();
      await new Promise((res) => setTimeout(res, 20));
    }
  };

  /** Claims nothing more; `settled` then waits for what is under way. */
  stop(): void {
    this.stopped = true;
    this.wake();
  }

  /** Passes under way finish (their writes land and are recorded), so the store may close after. */
  async settled(): Promise<void> {
    await this.loop;
    await this.catching;
    await this.historying;
    await this.following;
    await Promise.allSettled([...this.active]);
    await this.sendingNotices;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let claimed = 0;
      try {
        // Beside the worker, not in its way: one round at a time.
        if (this.s.catchUpMs && !this.catching) this.catching = this.catchUpAll().catch(() => undefined).finally(() => (this.catching = null));
        if (this.s.historyMs && !this.historying) this.historying = this.historyAll().catch(() => undefined).finally(() => (this.historying = null));
        if (this.d.appId && !this.following) this.following = this.followApps(this.d.appId).catch(() => undefined).finally(() => (this.following = null));
        claimed = await this.tick();
      } catch (e) {
        this.d.log({ level: 'warn', msg: 'worker round failed', error: (e as Error).message });
      }
      if (this.stopped) break;
      if (claimed > 0 && this.running < this.s.concurrency) continue;
      await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    return new Promise<void>((r) => {
      const t = setTimeout(() => ((this.wakeUp = null), r()), this.s.pollMs);
      this.wakeUp = () => (clearTimeout(t), (this.wakeUp = null), r());
    });
  }

  private async prune(wall: number): Promise<void> {
    if (wall - this.lastPrune <= PRUNE_EVERY_MS) return;
    this.lastPrune = wall;
    await pruneDeliveries(this.d.db, wall - 2 * REPLAY_WINDOW_MS);
    await pruneNotices(this.d.db);
    for (const id of await purgeDisconnected(this.d.db, this.d.tenants, wall, this.opts.retentionMs)) this.d.log({ level: 'info', msg: 'disconnected tenant deleted after the retention period', tenant: id });
  }

  /** The ladder's notices go out beside the passes; a slow receiver holds up only its own post. */
  private sendNotices(wall: number): void {
    if (this.sendingNotices) return;
    this.sendingNotices = sendNotices(this.d.db, wall, this.noticeFor, this.d.log, { agent: this.opts.notifyAgent, claimMs: this.s.leaseMs })
      .catch(() => 0)
      .finally(() => (this.sendingNotices = null));
  }

  private readonly noticeFor = (tenant: string): NotifyPolicy => ({ trusted: tenant === ENV_TENANT, allowHosts: this.allowHosts });

  private track(job: Job): void {
    this.running++;
    const p: Promise<void> = this.runJob(job).finally(() => {
      this.running--;
      this.active.delete(p);
      this.wake();
    });
    this.active.add(p);
  }

  private async runJob(job: Job): Promise<void> {
    const { db, tenants } = this.d;
    const lease = setInterval(() => void extendLease(db, job, this.instanceId, Date.now() + this.s.leaseMs).catch(() => undefined), Math.max(500, this.s.leaseMs / 3));
    try {
      // A tenant deleted on another instance may still be in this one's cache: its job ends here.
      if (!(await tenantExists(db, job.tenant))) {
        tenants.forget(job.tenant);
        await db.query('DELETE FROM jobs WHERE tenant = $1 AND ticket_id = $2', [job.tenant, job.ticket_id]);
        return;
      }
      await this.pass(job);
    } catch (e) {
      await this.failed(job, e as Error);
    } finally {
      clearInterval(lease);
    }
  }

  private async pass(job: Job): Promise<void> {
    const { db, stats } = this.d;
    const tenant = await this.d.tenants.byId(job.tenant);
    if (!tenant) throw new Error(`tenant ${job.tenant} is not configured`);
    // Checked before the pass, since a refused refresh can surface inside any request as a dropped one.
    if (tenant.cfg.globalOauth && (await connectionState(db, tenant.id))?.state !== 'connected') throw new DisconnectedError(tenant.id, 'revoked');
    const r = await runPass(db, tenant.cfg, tenant.http, job.tenant, job.ticket_id, job.needs_read, this.d.now, this.d.log, this.noticeFor(job.tenant));
    stats[r.outcome]++;
    stats.passes++;
    stats.reads += r.reads;
    stats.writes += r.writes;
    stats.transitions += r.transitions;
    await completeJob(db, job, this.instanceId);
    this.d.log({ level: 'info', msg: 'ticket handled', tenant: job.tenant, ticketId: job.ticket_id, outcome: r.outcome, read: job.needs_read, transitions: r.transitions });
  }

  private async failed(job: Job, e: Error): Promise<void> {
    this.d.stats.failed++;
    // A disconnected account's work waits for an admin to reconnect, parked and shown, not retried.
    if (e instanceof DisconnectedError) {
      await failJob(this.d.db, job, this.instanceId, e.message, Date.now(), 0).catch(() => undefined);
      this.d.stats.parked++;
      this.d.log({ level: 'error', msg: 'job parked: account disconnected', tenant: job.tenant, ticketId: job.ticket_id });
      return;
    }
    // A Retry-After is waited out in the queue, never in a slot; one over the cap (a 429 with
    // Retry-After: 99999999, or a date in 9999) counts as a failed try with the usual back-off,
    // so the job is parked after maxAttempts rather than moved years ahead.
    const after = retryAfterOf(e);
    const backoff = this.s.backoff(job.attempts + 1);
    const wait = after !== null && after <= MAX_RETRY_AFTER_MS ? Math.max(after, backoff) : backoff;
    const verdict = await failJob(this.d.db, job, this.instanceId, e.message, Date.now() + wait, this.s.maxAttempts).catch(() => 'lost' as const);
    if (verdict === 'parked') this.d.stats.parked++;
    const parked = verdict === 'parked';
    this.d.log({ level: parked ? 'error' : 'warn', msg: parked ? 'job parked' : 'job failed, will retry', tenant: job.tenant, ticketId: job.ticket_id, attempts: job.attempts + 1, error: e.message, retryInMs: parked ? null : wait });
  }

  /**
   * Each tenant's export, at start and every catchUpMs, for updates whose delivery never came (a
   * restart, an outage). One tenant's failure (no admin rights, a 429) waits for its next round
   * and touches no other tenant.
   */
  private async catchUpAll(): Promise<void> {
    const { catchUpMs } = this.s;
    if (!catchUpMs || Date.now() - this.lastCatchUp < Math.min(catchUpMs, 30_000)) return;
    this.lastCatchUp = Date.now();
    const queue = await this.d.tenants.all();
    const lane = async () => {
      for (let t = queue.shift(); t && !this.stopped; t = queue.shift()) await this.catchUpOne(t);
    };
    await Promise.all(Array.from({ length: CATCH_UP_LANES }, lane));
  }

  /**
   * The app's settings of every account connected with the global client, read again each
   * appSettingsMs (connect.ts): a changed one is the tenant's at once, and its tickets are queued.
   */
  private async followApps(appId: number): Promise<void> {
    const every = this.opts.appSettingsMs ?? 60_000;
    if (Date.now() - this.lastFollow < every) return;
    this.lastFollow = Date.now();
    for (const t of await this.d.tenants.all()) {
      if (this.stopped) return;
      if (!t.cfg.globalOauth) continue;
      const changed = await followAppSettings(this.d, t, appId).catch((e) => {
        this.d.log({ level: 'warn', msg: 'app settings not read', tenant: t.id, status: (e as { response?: { status?: number } }).response?.status ?? null, error: (e as Error).message.slice(0, 200) });
        return false;
      });
      const fresh = changed ? await this.d.tenants.stored(t.id).catch(() => null) : null;
      if (fresh) await requeueIfSettingsChanged(this.d.db, t.id, fresh.cfg, Date.now(), this.d.log).catch(() => undefined);
    }
  }

  private async catchUpOne(tenant: Tenant): Promise<void> {
    const { db, log } = this.d;
    // A stored tenant's settings may have changed meaning under an upgrade (a preset's new text).
    if (tenant.id !== ENV_TENANT) await requeueIfSettingsChanged(db, tenant.id, tenant.cfg, Date.now(), log).catch(() => undefined);
    await catchUp(db, tenant, Date.now(), log, this.s.catchUpMs).catch((e) => log({ level: 'warn', msg: 'catch-up failed', tenant: tenant.id, status: (e as { response?: { status?: number } }).response?.status ?? null, error: (e as Error).message.slice(0, 200) }));
  }

  /**
   * The reports' history (history.ts), one account after another on a lane of its own, so that it
   * never holds up the catch-up, which keeps what agents see current. A failed round is the
   * account's alone, and is tried again at its next round.
   */
  private async historyAll(): Promise<void> {
    const every = this.s.historyMs;
    if (!every || Date.now() - this.lastHistory < Math.min(every, 30_000)) return;
    this.lastHistory = Date.now();
    const { db, log } = this.d;
    for (const tenant of await this.d.tenants.all()) {
      if (this.stopped) return;
      await historyRound(db, tenant, Date.now(), log, every, this.d.now()).catch((e) =>
        log({ level: 'warn', msg: 'outcome history round failed', tenant: tenant.id, status: (e as { response?: { status?: number } }).response?.status ?? null, error: (e as Error).message.slice(0, 200) }),
      );
    }
  }
}
