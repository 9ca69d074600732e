import { useEffect, useState } from 'react';
import type { ZafClient } from '../../zaf/types';
import { ReportPage } from '../report/ReportPage';
import { beginReportSignIn, reportSignInState, serviceRequest } from './service';

/**
 * The SLA report behind the service's own check of who reads it: the app's token says only which
 * account calls, so the lead or admin signs in to their Zendesk in a new window, and the service
 * gives this page's secret the report once Zendesk has said who signed in
 * (service/src/report-access.ts). The page only waits for that answer.
 */
type Access =
  | { kind: 'checking' }
  | { kind: 'signed_out'; note?: string }
  | { kind: 'waiting'; secret: string; url: string }
  | { kind: 'granted'; secret: string }
  | { kind: 'refused'; reason: string };

export interface ReportAccessProps {
  client: ZafClient;
  service: string;
  subdomain: string;
  /** The user the page is open for: the sign-in must be theirs. */
  userId: number;
  openTicket: (id: string) => void;
  pollMs?: number;
}

const kept = (subdomain: string, userId: number) => `sla-desk-report:${subdomain}:${userId}`;

/** The tab's own storage: a reload keeps the sign-in, another tab or browser does not. */
function keep(name: string, secret: string | null): void {
  try {
    if (secret) sessionStorage.setItem(name, secret);
    else sessionStorage.removeItem(name);
  } catch {
    // Storage refused (a private window): the sign-in lasts as long as the page.
  }
}
function keptSecret(name: string): string | null {
  try {
    return sessionStorage.getItem(name);
  } catch {
    return null;
  }
}

export function ReportAccess({ client, service, subdomain, userId, openTicket, pollMs = 1500 }: ReportAccessProps) {
  const name = kept(subdomain, userId);
  const [access, setAccess] = useState<Access>({ kind: 'checking' });

  useEffect(() => {
    const secret = keptSecret(name);
    if (!secret) return setAccess({ kind: 'signed_out' });
    reportSignInState(client, service, subdomain, secret).then(
      (s) => setAccess(s?.state === 'granted' ? { kind: 'granted', secret } : (keep(name, null), { kind: 'signed_out' })),
      () => setAccess({ kind: 'signed_out' }),
    );
  }, [client, service, subdomain, name]);

  useEffect(() => {
    if (access.kind !== 'waiting') return;
    const { secret } = access;
    let live = true;
    const timer = setInterval(async () => {
      // A lost answer is asked again at the next tick.
      const s = await reportSignInState(client, service, subdomain, secret).catch(() => undefined);
      if (!live || s === undefined || s?.state === 'pending') return;
      if (s === null) setAccess({ kind: 'signed_out', note: 'The sign-in expired before it was finished (it lasts 10 minutes).' });
      else if (s.state === 'granted') keep(name, secret), setAccess({ kind: 'granted', secret });
      else setAccess({ kind: 'refused', reason: s.reason ?? 'not allowed to see the report' });
    }, pollMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [access, client, service, subdomain, name, pollMs]);

  const start = async () => {
    // Opened in the click itself, so that no popup blocker stops it; it goes to the sign-in once the service answers.
    const w = window.open('', '_blank');
    try {
      const begun = await beginReportSignIn(client, service, subdomain, userId);
      if (w) {
        w.opener = null;
        w.location.href = begun.url;
      }
      setAccess({ kind: 'waiting', secret: begun.secret, url: begun.url });
    } catch (e) {
      w?.close();
      const status = (e as { status?: number }).status;
      setAccess({ kind: 'signed_out', note: status === 401 ? 'The hosted service does not know this app: an admin connects it above.' : `The service ${status ? `answered ${status}` : 'did not answer'}; try again.` });
    }
  };

  if (access.kind === 'checking') return <p className="nav-muted">Checking your sign-in to the report…</p>;
  if (access.kind === 'granted') {
    const request = (path: string) =>
      serviceRequest(client, service, path, { session: access.secret }).catch((e: { status?: number }) => {
        if (e?.status === 403) keep(name, null), setAccess({ kind: 'signed_out', note: 'Your sign-in to the report ended (it lasts 8 hours): sign in again.' });
        throw e;
      });
    return <ReportPage subdomain={subdomain} request={request} openTicket={openTicket} />;
  }
  const button = (
    <button type="button" onClick={() => void start()}>
      Sign in to see the report
    </button>
  );
  if (access.kind === 'waiting') {
    return (
      <>
        <p role="status">Waiting for your sign-in in the other window…</p>
        <p className="nav-muted">
          No window opened?{' '}
          <a href={access.url} target="_blank" rel="noopener noreferrer">
            Open Zendesk's sign-in
          </a>
        </p>
      </>
    );
  }
  return (
    <>
      {access.kind === 'refused' ? (
        <p role="alert" className="nav-error">
          SLA Desk did not open the report: you are {access.reason}.
        </p>
      ) : (
        access.note && <p role="alert">{access.note}</p>
      )}
      <p>The report is for admins and triage leads. SLA Desk checks who you are with your Zendesk sign-in, in a new window.</p>
      {button}
    </>
  );
}
