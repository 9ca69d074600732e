import type { Server } from 'http';
import type { Socket } from 'net';
import { readFileSync } from 'fs';

export interface ConnectionOptions {
  /** Open connections per client address (default 256, at most a quarter of all), and in all (default 4,096, and under the process's file limit). */
  maxConnectionsPerClient?: number;
  maxConnections?: number;
}

/**
 * One client may hold at most a quarter of all connections, so that others (Zendesk, the load
 * balancer's health check) always find room.
 */
export function capConnections(server: Server, opts: ConnectionOptions): void {
  const maxConnections = opts.maxConnections ?? defaultMaxConnections();
  limitConnections(server, Math.min(opts.maxConnectionsPerClient ?? 256, Math.max(1, Math.floor(maxConnections / 4))), maxConnections);
}

/**
 * Caps open connections per client address, and in all: idle or trickling sockets from one
 * client must not take the file descriptors every other client (Zendesk, the load balancer's
 * health check) needs. A connection over a cap is closed at once.
 */
function limitConnections(server: Server, perClient: number, total: number): void {
  server.maxConnections = total;
  const open = new Map<string, number>();
  let all = 0;
  let pruned = 0;
  server.on('connection', (socket: Socket) => {
    const who = clientOf(socket.remoteAddress ?? '?');
    const n = (open.get(who) ?? 0) + 1;
    if (n > perClient) return void socket.destroy();
    open.set(who, n);
    all++;
    // Near the total, connections that are not serving a request (idle keep-alive, or never sent a
    // byte) make room, so that many clients each under their cap still cannot lock out a new one.
    if (all > total * 0.9 && Date.now() - pruned > 100) {
      pruned = Date.now();
      server.closeIdleConnections();
    }
    socket.once('close', () => {
      all--;
      const left = (open.get(who) ?? 1) - 1;
      if (left > 0) open.set(who, left);
      else open.delete(who);
    });
  });
}

/** A client for the caps: an IPv4 address (also when IPv4-mapped), or an IPv6 /64, which one host can hold whole. */
function clientOf(address: string): string {
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1];
  if (!address.includes(':')) return address;
  const [head, tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** 4,096 connections, or fewer where the process may open fewer files (leaving room for the store, Zendesk and logs). */
function defaultMaxConnections(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1]);
    if (Number.isFinite(soft) && soft > 0) return Math.max(16, Math.min(4_096, soft - 128));
  } catch {
    // not Linux: Node's own limit stands
  }
  return 4_096;
}
