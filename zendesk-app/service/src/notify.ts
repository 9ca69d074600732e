import axios from 'axios';
import { lookup as dnsLookup, type LookupAddress } from 'dns';
import { Agent as HttpsAgent } from 'https';
import { BlockList, isIP } from 'net';
import type { Log } from './log';
import { statusOf } from './zendesk';

/**
 * The optional notice of each transition (SLA_NOTIFY_URL): a Slack-compatible {"text": …} with the
 * ticket's id and the transitions, nothing of its content. Best effort, after the write: a notice
 * that fails is logged, and never holds up or repeats the ticket's write.
 *
 * A tenant's URL is typed by whoever configures that account, and the service runs inside the
 * operator's network: so it must be https, resolve only to public addresses (checked on the
 * addresses the connection actually uses, so a DNS answer that changes after the check cannot
 * point it inside), and no redirect is followed. The operator's own URL (the environment's tenant)
 * and hosts on SLA_NOTIFY_ALLOW_HOSTS are trusted as they are.
 */
export interface NotifyPolicy {
  /** The environment's tenant: the operator's own URL. */
  trusted: boolean;
  /** host or host:port, lower-case: allowed whatever they resolve to. */
  allowHosts: ReadonlySet<string>;
}

const PRIVATE = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
// IPv6: unspecified and loopback, NAT64 (well-known and local-use), discard, documentation, 6to4
// (it embeds any IPv4 address), unique-local, site-local (deprecated), link-local, multicast.
for (const [net, bits] of [['::', 127], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fec0::', 10], ['fe80::', 10], ['ff00::', 8]] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

/** Whether an address may receive a tenant's notice: not loopback, private, link-local, multicast or reserved. */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const a = mapped ? mapped[1] : address;
  const family = isIP(a);
  if (!family) return false;
  return !PRIVATE.check(a, family === 4 ? 'ipv4' : 'ipv6');
}

type LookupCb = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that fails when any address a name resolves to is not public. */
export function publicLookup(hostname: string, options: { all?: boolean; family?: number } | undefined, cb: LookupCb): void {
  dnsLookup(hostname, { all: true, family: options?.family ?? 0 }, (err, addresses) => {
    if (err) return cb(err, '');
    const list = addresses as LookupAddress[];
    const bad = list.find((x) => !isPublicAddress(x.address));
    if (bad || !list.length) return cb(Object.assign(new Error(`${hostname} resolves to an address that is not public`), { code: 'ENOTPUBLIC' }), '');
    if (options?.all) cb(null, list);
    else cb(null, list[0].address, list[0].family);
  });
}

export const publicAgent = new HttpsAgent({ lookup: publicLookup as never, keepAlive: false });

/**
 * How a notice may go to a URL: 'as-is' (the operator's URL, or an allowed host), 'public-only'
 * (every address it connects to must be public), or why not at all.
 */
export function notifyRoute(url: string, policy: NotifyPolicy): 'as-is' | 'public-only' | { refused: string } {
  if (policy.trusted) return 'as-is';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { refused: 'not a URL' };
  }
  if (policy.allowHosts.has(u.host.toLowerCase()) || policy.allowHosts.has(u.hostname.toLowerCase())) return 'as-is';
  if (u.protocol !== 'https:') return { refused: 'not https' };
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !isPublicAddress(host)) return { refused: 'not a public address' };
  return 'public-only';
}

export function notify(url: string | undefined, policy: NotifyPolicy, ticketId: number, lines: readonly string[] | undefined, log: Log): void {
  if (!url || !lines?.length) return;
  const route = notifyRoute(url, policy);
  if (typeof route === 'object') return log({ level: 'warn', msg: 'notification refused', ticketId, reason: route.refused });
  const text = `Ticket #${ticketId}: ${lines.map((l) => l.replace(/^SLA Desk ?: /, '')).join(' ')}`;
  axios
    .post(url, { text }, { timeout: 5_000, maxRedirects: 0, ...(route === 'public-only' ? { httpsAgent: publicAgent, proxy: false as const } : {}) })
    .catch((e) => log({ level: 'warn', msg: 'notification failed', ticketId, status: statusOf(e), code: (e as { code?: string }).code ?? null }));
}
