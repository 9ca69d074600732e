import { statSync } from 'fs';
import { explain, explanationText } from './explain';
import { isRealInstant } from './instant';
import { formatBytes, MAX_RECORD_BYTES } from './limits';
import { formatProblem, zodProblems } from './problem';
import type { Policy } from './policy';
import { TimelineSchema, type Timeline } from './timeline';
import { readCapped } from './read-capped';
import { localeOf } from './view';
import { isValidZone } from './zone';

/** A mistake in `sla explain`'s input or options: the caller prints it as one line. */
export class ExplainUsageError extends Error {}

export interface ExplainOptions {
  now?: string;
  ticket?: string;
  metric?: string;
  locale?: string;
  zone?: string;
  format?: string;
}

/** `sla explain`: reads timelines (one object, an array, or JSON lines) and explains one ticket's due times. */
export function explainCommand(policy: Policy, file: string, o: ExplainOptions): string {
  const records = recordsOf(readInput(file), file);
  const chosen = o.ticket === undefined ? records : records.filter((r) => r && typeof r === 'object' && String((r as { id?: unknown }).id) === o.ticket);
  if (!chosen.length) throw new ExplainUsageError(o.ticket === undefined ? `${file}: no timeline in it` : `${file}: no ticket with id "${o.ticket}"`);
  if (chosen.length > 1) throw new ExplainUsageError(`${file} holds ${chosen.length} timelines: choose one with --ticket <id>`);
  const parsed = TimelineSchema.safeParse(chosen[0]);
  if (!parsed.success) throw new ExplainUsageError(`${file}: ${zodProblems(parsed.error.issues).map(formatProblem).join('; ')}`);
  const tl: Timeline = parsed.data;
  if (o.now !== undefined && !isRealInstant(o.now)) throw new ExplainUsageError(`--now: expected an ISO-8601 instant with an offset, like 2026-03-02T09:30:00Z; got "${o.now}"`);
  const now = o.now === undefined ? Date.now() : Date.parse(o.now);
  const zone = o.zone ?? 'UTC';
  if (!isValidZone(zone)) throw new ExplainUsageError(`--zone: unknown time zone "${zone}" (expected an IANA zone like America/Toronto)`);
  let e;
  try {
    e = explain(policy, tl, now, o.metric);
  } catch (err) {
    throw new ExplainUsageError(`--metric: ${(err as Error).message}`);
  }
  if (o.format === 'json') return `${JSON.stringify(e, null, 2)}\n`;
  return `${explanationText(e, localeOf(o.locale ?? policy.locale), zone)}\n`;
}

/**
 * One explanation is for one ticket, so its input is read whole, but never more than a timeline may
 * hold: the size a file claims says nothing of /dev/zero or of a pipe.
 */
function readInput(file: string): string {
  let read;
  try {
    if (file !== '-' && statSync(file).isDirectory()) throw new ExplainUsageError(`"${file}" is a directory: give a file with the ticket's timeline`);
    read = readCapped(file === '-' ? 0 : file, MAX_RECORD_BYTES);
  } catch (e) {
    if (e instanceof ExplainUsageError) throw e;
    throw new ExplainUsageError(`cannot read "${file}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (read.over) {
    const what = file === '-' ? 'standard input' : `"${file}"`;
    throw new ExplainUsageError(`${what} holds more than ${formatBytes(MAX_RECORD_BYTES)}, the most a timeline may have: give the one ticket to explain (sla evaluate reads files of any size)`);
  }
  return read.text;
}

function recordsOf(text: string, file: string): unknown[] {
  const trimmed = text.trim();
  try {
    const v = JSON.parse(trimmed);
    return Array.isArray(v) ? v : [v];
  } catch {
    // JSON lines: one timeline a line.
    return trimmed.split('\n').filter((l) => l.trim()).map((line, i) => {
      try {
        return JSON.parse(line);
      } catch {
        throw new ExplainUsageError(`${file}: line ${i + 1} is not valid JSON`);
      }
    });
  }
}
