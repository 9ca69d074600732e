import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { Policy } from '@sla-desk/core';
import type { ZafClient } from '../../zaf/types';
import { requirementPaths, resolveFieldIds } from '../../zaf/fields';
import { ensureDueFields, metricsWithoutDueField } from '../../zaf/setup';
import { readSettings } from '../../sla/settings';
import { isLeadOf } from '../../zaf/leads';
import { ReportAccess } from './ReportAccess';
import { confirmUrl, connectUrl, fetchStatus, serviceUrl, zafAdminApi, type ServiceStatus, type StatusAnswer } from './service';

/**
 * SLA Desk's own page in Zendesk (the nav_bar location), for admins and triage leads: the hosted
 * service's connection and what to do about it, and the due fields the policy still needs. What
 * only an admin may do is offered to admins, and checked where it happens: Zendesk refuses an
 * agent's field creation, and the service asks for an admin's sign-in before an export or a
 * disconnection.
 */
interface Ready {
  client: ZafClient;
  raw: Record<string, unknown>;
  installationId: number | null;
  subdomain: string;
  role: string;
  userId: number;
  /** An admin, or a member of a triage-lead group: who the report is for. */
  lead: boolean;
  policy: Policy | null;
  problems: string[];
  due: Record<string, number>;
}

export function NavPage({ client }: { client: ZafClient }) {
  const [ready, setReady] = useState<Ready | { error: string } | null>(null);
  const load = useCallback(async () => {
    try {
      const [meta, ctx, me] = await Promise.all([client.metadata(), client.context(), client.get('currentUser')]);
      const settings = await readSettings(meta.settings);
      const got = settings.policy ? await client.get(requirementPaths(Object.keys(settings.policy.metrics))) : {};
      const due = settings.policy ? resolveFieldIds(settings.policy, got, meta.settings.field_ids).due : {};
      const user = (me.currentUser ?? {}) as { id?: unknown; role?: unknown; groups?: { id: number; name?: string }[] };
      const role = String(user.role ?? 'agent');
      const lead = isLeadOf(role, user.groups ?? [], settings.leadGroups);
      setReady({ client, raw: meta.settings, installationId: meta.installationId ?? null, subdomain: ctx.account?.subdomain ?? '', role, userId: Number(user.id), lead, policy: settings.policy, problems: settings.problems, due });
    } catch {
      setReady({ error: 'Zendesk did not answer. Reload the page.' });
    }
  }, [client]);
  useEffect(() => void load(), [load]);
  if (!ready) return <p className="nav-muted">Loading…</p>;
  if ('error' in ready) return <p role="alert">{ready.error}</p>;
  return (
    <main className="nav-page">
      <h1>SLA Desk</h1>
      <Connection ready={ready} />
      <Report ready={ready} />
      <Fields ready={ready} />
    </main>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

function Connection({ ready }: { ready: Ready }) {
  const service = serviceUrl(ready.raw.service_url);
  const [answer, setAnswer] = useState<StatusAnswer | null>(null);
  const check = useCallback(() => {
    setAnswer(null);
    void fetchStatus(ready.client, service, ready.subdomain).then(setAnswer);
  }, [ready, service]);
  useEffect(check, [check]);
  const admin = ready.role === 'admin';
  if (!service) {
    return (
      <Section title="Hosted service">
        <p>This installation uses no hosted service: the sidebar sets the SLA of each ticket an agent opens. To have every ticket evaluated as it arrives, an admin sets the app's service URL (Admin Center, Apps, SLA Desk) and connects here.</p>
      </Section>
    );
  }
  return (
    <Section title="Hosted service">
      {!answer && <p className="nav-muted">Asking the service…</p>}
      {answer?.kind === 'not_connected' && <p>Not connected: the service does not know this Zendesk yet{admin ? '. Connect it in one step:' : '. An admin connects it here.'}</p>}
      {answer?.kind === 'error' && <p role="alert">{answer.message} Check again in a minute; if it keeps failing, write to SLA Desk support with the time.</p>}
      {answer?.kind === 'ok' && (
        <>
          <dl className="nav-facts">
            <dt>Connection</dt>
            <dd>{answer.status.connected ? 'connected' : 'refused by Zendesk: reconnect'}</dd>
            <dt>Webhook</dt>
            <dd>{answer.status.webhook}</dd>
            <dt>Last delivery</dt>
            <dd>{answer.status.lastDelivery ? new Date(answer.status.lastDelivery).toLocaleString() : 'none yet'}</dd>
            <dt>Tickets waiting</dt>
            <dd>
              {answer.status.queuedJobs} queued, {answer.status.parkedJobs} parked
            </dd>
            <dt>Report history</dt>
            <dd>{historyText(answer.status.reportHistory)}</dd>
          </dl>
          {answer.status.todo.length ? (
            <ul className="nav-todo" aria-label="What to do">
              {answer.status.todo.map((t) => (
                <li key={t}>{t}</li>
              ))}
            </ul>
          ) : (
            <p>Nothing to do: new and changed tickets get their SLA within seconds.</p>
          )}
        </>
      )}
      <div className="nav-actions">
        {admin && answer && answer.kind !== 'error' && (
          <a className="nav-button" href={connectUrl(service, ready.subdomain)} target="_blank" rel="noopener noreferrer">
            {answer.kind === 'ok' && answer.status.connected ? 'Reconnect' : 'Connect'}
          </a>
        )}
        <button type="button" onClick={check}>
          Check again
        </button>
        {admin && answer?.kind === 'ok' && (
          <>
            <a className="nav-button" href={confirmUrl(service, ready.subdomain, 'export')} target="_blank" rel="noopener noreferrer">
              Export what the service keeps
            </a>
            <a className="nav-button nav-danger" href={confirmUrl(service, ready.subdomain, 'disconnect')} target="_blank" rel="noopener noreferrer">
              Disconnect and delete its data
            </a>
          </>
        )}
      </div>
      {admin && answer?.kind === 'ok' && <p className="nav-muted">Export and disconnect open your Zendesk's sign-in: the service acts only for an admin.</p>}
    </Section>
  );
}

/**
 * The SLA report (core's ReportBuilder over the Outcomes the service keeps), offered to leads and
 * admins; the service itself opens it only after their sign-in says who they are (ReportAccess).
 */
function Report({ ready }: { ready: Ready }) {
  const service = serviceUrl(ready.raw.service_url);
  if (!service || !ready.lead || !Number.isSafeInteger(ready.userId)) return null;
  return (
    <Section title="SLA report">
      <ReportAccess client={ready.client} service={service} subdomain={ready.subdomain} userId={ready.userId} openTicket={(id) => void ready.client.invoke('routeTo', 'ticket', id)} />
    </Section>
  );
}

function Fields({ ready }: { ready: Ready }) {
  const [busy, setBusy] = useState(false);
  // The installation's settings as ZAF gave them at load; after a setup, the ids it saved.
  const [due, setDue] = useState(ready.due);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const policy = ready.policy;
  if (!policy) {
    return (
      <Section title="Fields">
        <p role="alert">The policy setting is invalid, so no field can be checked: {ready.problems.join('; ')}</p>
      </Section>
    );
  }
  const missing = metricsWithoutDueField(policy, due);
  const create = async () => {
    setBusy(true);
    setResult(null);
    try {
      const api = zafAdminApi(ready.client);
      const setup = await ensureDueFields(api, policy, due, ready.raw.field_ids);
      if (setup.setting && ready.installationId !== null) await api.put(`/api/v2/apps/installations/${ready.installationId}.json`, { settings: { field_ids: setup.setting } });
      const made = [...setup.created, ...setup.adopted].map((m) => policy.metrics[m].label);
      setDue(setup.due);
      setResult({ ok: true, text: `Ready: ${made.join(', ')}. Tickets get these due times from their next change.` });
    } catch (e) {
      const code = (e as { status?: number }).status;
      setResult({ ok: false, text: code === 403 ? 'Zendesk refused: only an admin can create ticket fields and change the app\'s settings.' : `Zendesk answered ${code ?? 'nothing'}; nothing more was changed. Try again.` });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Fields">
      {missing.length === 0 ? (
        <p>Every promise of the policy has its due field.</p>
      ) : (
        <>
          <p>
            The policy's {missing.map((m) => policy.metrics[m].label).join(', ')} {missing.length === 1 ? 'has' : 'have'} no due field yet, so {missing.length === 1 ? 'its due time is' : 'their due times are'} shown but not saved on tickets.
          </p>
          {ready.role === 'admin' ? (
            <button type="button" onClick={() => void create()} disabled={busy}>
              {busy ? 'Creating…' : `Create the ${missing.length === 1 ? 'field' : `${missing.length} fields`}`}
            </button>
          ) : (
            <p>An admin can create {missing.length === 1 ? 'it' : 'them'} here.</p>
          )}
        </>
      )}
      {result && (
        <p role={result.ok ? 'status' : 'alert'} className={result.ok ? '' : 'nav-error'}>
          {result.text}
        </p>
      )}
    </Section>
  );
}

/** The report's history of the tickets solved or closed before the service was connected. */
export function historyText(h: ServiceStatus['reportHistory']): string {
  if (!h) return 'not started yet (it starts within minutes of the connection)';
  const kept = `${h.ticketsKept} settled ticket${h.ticketsKept === 1 ? '' : 's'} of the last 52 weeks added`;
  return h.state === 'done' ? `done: ${kept}` : `reading the last 52 weeks: ${h.ticketsRead} tickets read, ${kept}`;
}
