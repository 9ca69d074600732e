import { Command, CommanderError, Option } from 'commander';
import { createReadStream, statSync, writeFileSync } from 'fs';
import { DateTime } from 'luxon';
import { Document, isMap, isScalar, parseDocument } from 'yaml';
import { SingleBar, Presets } from 'cli-progress';
import { type ClockTrace, Decision, decisionToJSON, evaluate, evaluateWithTrace } from './evaluate';
import { formatMs } from './duration';
import { validatePolicyText } from './lint';
import { getCompiled, Policy, PolicyError } from './policy';
import { formatProblem, zodProblems, type Problem } from './problem';
import { listPresets, loadPolicy, policyTooLarge, readPolicyFile, resolvePolicyPath, UnknownPolicyError } from './presets';
import { readRecords, RecordSyntaxError } from './records';
import { ReportBuilder, reportCsv, type OutcomeReport } from './report';
import { groupNow, outcomesOf } from './outcome';
import { TimelineSchema, type Timeline } from './timeline';
import { addPause, dueOf } from './clock';
import { csvCell, printable } from './escape';
import { isRealInstant } from './instant';
import { formatBytes, MAX_POLICY_BYTES, MAX_RECORD_BYTES } from './limits';
import { readCapped } from './read-capped';
import { SUPPORTED_YEARS } from './zone';
import { explainCommand, ExplainUsageError } from './explain-cli';
import { spliceMapValues } from './yaml-splice';

/** Errors the user can fix: printed as one clear line, never as a stack trace. */
class UsageError extends Error {}

interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

export async function main(argv: string[], io: Io = { out: process.stdout, err: process.stderr, stdin: process.stdin }): Promise<number> {
  let code = 0;
  const program = new Command('sla')
    .description('SLA Desk: check support policies and evaluate tickets against them')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) });

  program
    .command('presets')
    .description('list the bundled policy presets')
    .action(() => {
      for (const p of listPresets()) io.out.write(`${p.isDefault ? '*' : ' '} ${p.id.padEnd(18)} ${p.name.padEnd(36)} ${p.source}\n`);
      io.out.write('\n* the default preset\n');
    });

  program
    .command('check')
    .description('validate a policy file (or preset), then lint it for contradictions, gaps and assumptions')
    .argument('<file>', 'a YAML or JSON policy file, or a preset id')
    .action((file: string) => {
      code = check(file, io);
    });

  program
    .command('due')
    .description('the due instant of one target')
    .option('--policy <policy>', 'a preset id or a policy file')
    .requiredOption('--tier <tier>')
    .requiredOption('--priority <priority>')
    .requiredOption('--metric <metric>')
    .option('--category <category>')
    .requiredOption('--from <iso>', 'the start instant, ISO-8601 with an offset')
    .option('--pause <from/to>', 'a paused span, ISO/ISO; repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action((o) => due(o, io));

  program
    .command('evaluate')
    .description('evaluate timelines (a JSON array or JSON lines) into decisions, streaming')
    .argument('[file]', 'the input file, or - for standard input', '-')
    .option('--policy <policy>', 'a preset id or a policy file')
    .option('--now <iso>', 'evaluate as of this instant (default: the current time)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .action(async (file: string, o) => {
      code = await evaluateCmd(file, o, io);
    });

  program
    .command('explain')
    .description('why a ticket\'s due times are what they are: the working time counted, the closed and paused time skipped')
    .argument('[file]', 'the ticket\'s timeline (JSON, an array or JSON lines), or - for standard input', '-')
    .option('--policy <policy>', 'a preset id or a policy file')
    .option('--now <iso>', 'explain as of this instant (default: the current time)')
    .option('--ticket <id>', 'the ticket to explain, when the file holds several')
    .option('--metric <metric>', 'only this metric')
    .option('--locale <locale>', 'en or fr (default: the policy\'s locale)')
    .option('--zone <zone>', 'the time zone to show the start and due in (default: UTC)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((file: string, o) => {
      try {
        io.out.write(explainCommand(loadPolicy(o.policy), file, o));
      } catch (e) {
        throw e instanceof ExplainUsageError ? new UsageError(e.message) : e;
      }
    });

  program
    .command('report')
    .description('met %, breaches and median times per tier x priority x metric')
    .argument('[file]', 'the input file, or - for standard input', '-')
    .option('--policy <policy>', 'a preset id or a policy file')
    .option('--now <iso>', 'evaluate as of this instant (default: the current time)')
    .addOption(new Option('--format <format>', 'output format (csv: with --outcomes)').choices(['table', 'json', 'csv']).default('table'))
    .option('--progress', 'always show the progress bar on stderr')
    .option('--outcomes', "count each cycle's Outcome (what the Zendesk service's report counts), with the weekly trend and the worst tickets")
    .option('--from <iso>', 'with --outcomes: only the Outcomes whose clock started at or after this instant')
    .option('--to <iso>', 'with --outcomes: only those that started before this instant')
    .option('--tier <id>', 'with --outcomes: only this tier (a drill-down)')
    .option('--priority <id>', 'with --outcomes: only this priority')
    .option('--metric <id>', 'with --outcomes: only this metric')
    .action(async (file: string, o) => {
      code = await reportCmd(file, o, io);
    });

  program
    .command('holidays')
    .description('generate public holidays for a region (date-holidays codes: US, CA-QC, GB-ENG, ...)')
    .argument('<region>')
    .requiredOption('--years <years>', 'comma-separated years, e.g. 2026,2027')
    .option('--write <file>', 'write them into this policy file')
    .option('--calendar <name>', 'the calendar to write them into (with --write)')
    .action((region: string, o) => holidays(region, o, io));

  program
    .command('backfill')
    .description('recompute the priority and SLA fields of every open ticket in a host (zendesk), configured from the environment')
    .argument('<host>', 'zendesk')
    .option('--since <date>', 'only tickets changed since this date')
    .option('--dry-run', 'read and count, write nothing')
    .option('--checkpoint <file>', 'where a run keeps its place, so a killed run resumes', 'sla-backfill.checkpoint.json')
    .action(async (host: string, o) => {
      if (host !== 'zendesk') throw new UsageError(`backfill: unknown host "${host}" (known: zendesk; Jira recalculates from the Forge app's admin page)`);
      // The Zendesk service lives in the Zendesk app's package: core stays free of host code, and
      // loads it only for this command.
      const entry = '@sla-desk/zendesk-app/service/dist/service/src/backfill-cli.js';
      const { runBackfill } = require(entry) as { runBackfill(o: object, io: object): Promise<number> };
      const tty = (io.err as NodeJS.WriteStream).isTTY === true;
      code = await runBackfill(o, { out: (t: string) => io.out.write(t), err: (t: string) => io.err.write(t), tty });
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    if (e instanceof UsageError || e instanceof UnknownPolicyError || e instanceof RecordSyntaxError) {
      io.err.write(`sla: ${e.message}\n`);
      return 1;
    }
    if (e instanceof PolicyError) {
      const what = e.source ? `policy file "${e.source}"` : 'the policy';
      io.err.write(`sla: ${what} does not check (run sla check on it):\n${e.problems.map((p) => `  ${printable(formatProblem(p))}`).join('\n')}\n`);
      return 1;
    }
    throw e;
  }
  return code;
}

function check(file: string, io: Io): number {
  const path = resolvePolicyPath(file);
  const { problems } = validatePolicyText(readPolicyFile(path));
  const errors = problems.filter((p) => p.level === 'error');
  const warnings = problems.filter((p) => p.level === 'warning');
  const assumptions = problems.filter((p) => p.level === 'assumption');
  const section = (title: string, list: typeof problems) => {
    if (!list.length) return;
    io.out.write(`${title} (${list.length})\n`);
    for (const p of list) io.out.write(`  ${printable(formatProblem(p))}\n`);
  };
  section('errors', errors);
  section('warnings', warnings);
  section('assumptions to confirm', assumptions);
  io.out.write(`${path}: ${errors.length} error(s), ${warnings.length} warning(s), ${assumptions.length} assumption(s) to confirm\n`);
  return errors.length ? 1 : 0;
}

/** An instant from the command line: a real date (not 2026-02-30), with an offset, in the years the calendars cover. */
function instant(value: string, what: string): number {
  if (!isRealInstant(value)) {
    const shaped = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) && /(Z|[+-]\d{2}:?\d{2})$/.test(value);
    throw new UsageError(shaped ? `${what}: "${printable(value)}" is not a real date and time` : `${what}: expected an ISO-8601 instant with an offset, like 2026-03-02T09:30:00Z; got "${printable(value)}"`);
  }
  const t = Date.parse(value);
  const year = new Date(t).getUTCFullYear();
  if (year < SUPPORTED_YEARS.min || year > SUPPORTED_YEARS.max) throw new UsageError(`${what}: year ${year} is outside ${SUPPORTED_YEARS.min}-${SUPPORTED_YEARS.max}`);
  return t;
}

function due(o: { policy?: string; tier: string; priority: string; metric: string; category?: string; from: string; pause: string[] }, io: Io): void {
  const policy = loadPolicy(o.policy);
  const cp = getCompiled(policy);
  const known = (what: string, value: string, list: object) => {
    if (!Object.hasOwn(list, value)) throw new UsageError(`--${what}: unknown ${what} "${value}" (known: ${Object.keys(list).join(', ')})`);
  };
  known('tier', o.tier, policy.tiers);
  known('priority', o.priority, policy.priorities);
  known('metric', o.metric, policy.metrics);
  const category = o.category ?? cp.defaultCategory;
  known('category', category, policy.categories);
  const target = cp.target(o.tier, o.priority, o.metric, category);
  if (!target) {
    io.out.write(`no target: ${o.metric} carries no promise for ${o.tier} ${o.priority} (${category})\n`);
    return;
  }
  const from = instant(o.from, '--from');
  const pauses: number[] = [];
  for (const p of o.pause) {
    const [a, b] = p.split('/');
    if (!a || !b) throw new UsageError(`--pause: expected FROM/TO, got "${printable(p)}"`);
    const [from, to] = [instant(a, '--pause'), instant(b, '--pause')];
    if (!(to > from)) throw new UsageError(`--pause: ${to === from ? 'an empty pause' : 'TO is before FROM'} in "${p}"; expected FROM/TO with FROM first`);
    addPause(pauses, from, to);
  }
  const t = dueOf(target, from, pauses);
  const local = DateTime.fromMillis(t, { zone: target.calendar.zone });
  io.out.write(`target:   ${target.text} on calendar ${target.calendar.id}\n`);
  io.out.write(`due UTC:  ${new Date(t).toISOString()}\n`);
  io.out.write(`due local: ${local.toFormat("yyyy-MM-dd'T'HH:mm:ss ZZ ccc")} (${target.calendar.zone})\n`);
}

type Emit = (d: Decision) => string;

const COLS = ['ticket', 'tier', 'priority', 'metric', 'target', 'due (UTC)', 'state', 'remaining'];
const WIDTHS = [14, 10, 9, 16, 8, 21, 15, 12];

function rowsOf(d: Decision): string[][] {
  return d.metrics.map((m) => [
    d.ticketId,
    d.tier.id,
    d.priority.id ?? '-',
    m.metric,
    m.target ?? '-',
    m.due === null ? '-' : new Date(m.due).toISOString().slice(0, 16) + 'Z',
    m.state,
    m.state === 'not_applicable' || m.state === 'met' ? '-' : formatMs(m.remainingWorkingMs),
  ]);
}

function emitter(format: string): { head: string; emit: Emit; sep: string; tail: string } {
  if (format === 'json') return { head: '[\n', emit: (d) => JSON.stringify(decisionToJSON(d)), sep: ',\n', tail: '\n]\n' };
  if (format === 'csv') return { head: COLS.join(',') + '\n', emit: (d) => rowsOf(d).map((r) => r.map(csvCell).join(',')).join('\n'), sep: '\n', tail: '\n' };
  const line = (r: string[]) => r.map((c, i) => printable(c).padEnd(WIDTHS[i])).join(' ').trimEnd();
  return { head: line(COLS) + '\n', emit: (d) => rowsOf(d).map(line).join('\n'), sep: '\n', tail: '\n' };
}

/** The input's size in bytes (0 for standard input), with a clear error for an unreadable file. */
function sizeOf(file: string): number {
  if (file === '-') return 0;
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    throw new UsageError(`cannot read "${file}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (st.isDirectory()) throw new UsageError(`"${file}" is a directory: give a file of timelines (a JSON array or JSON lines), or - for standard input`);
  return st.size;
}

function inputOf(file: string, io: Io): AsyncIterable<string | Buffer> {
  sizeOf(file);
  return file === '-' ? (io.stdin as unknown as AsyncIterable<Buffer>) : createReadStream(file, { highWaterMark: 1 << 20 });
}

/** Runs every record through `each`; bad records are reported by line and skipped. */
async function forEachTimeline(file: string, policy: Policy, now: number, io: Io, each: (d: Decision, clocks?: Map<string, ClockTrace>, timeline?: Timeline) => void | Promise<void>, onBytes?: (n: number) => void, traced = false): Promise<number> {
  const stream = inputOf(file, io);
  let bad = 0;
  for await (const rec of readRecords(stream, onBytes)) {
    if (rec.tooLarge !== undefined) {
      bad++;
      io.err.write(`line ${rec.line}: the record is ${rec.tooLarge} bytes, more than the ${formatBytes(MAX_RECORD_BYTES)} a timeline may have; skipped\n`);
      continue;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(rec.text);
    } catch (e) {
      bad++;
      io.err.write(`line ${rec.line}: ${jsonError(e as Error, rec.text)}\n`);
      continue;
    }
    const parsed = TimelineSchema.safeParse(raw);
    if (!parsed.success) {
      bad++;
      io.err.write(`line ${rec.line}: ${zodProblems(parsed.error.issues).map(formatProblem).join('; ')}\n`);
      continue;
    }
    try {
      if (!traced) await each(evaluate(policy, parsed.data, now));
      else {
        const { decision, clocks } = evaluateWithTrace(policy, parsed.data, now);
        await each(decision, clocks, parsed.data);
      }
    } catch (e) {
      bad++;
      io.err.write(`line ${rec.line}: cannot evaluate: ${(e as Error).message}\n`);
    }
  }
  return bad;
}

/**
 * What is wrong with a record that is not JSON, without quoting it: V8's message quotes the text,
 * and a ticket's text must never reach a log.
 */
function jsonError(e: Error, text: string): string {
  const pos = /position (\d+)/.exec(e.message);
  if (pos) return `not valid JSON (at character ${Number(pos[1]) + 1})`;
  return /end of JSON input|Unterminated/.test(e.message) ? 'not valid JSON (it ends too early)' : `not valid JSON (${text.length} characters)`;
}

function write(out: NodeJS.WritableStream, s: string): Promise<void> | void {
  if (!out.write(s)) return new Promise((r) => out.once('drain', () => r()));
}

async function evaluateCmd(file: string, o: { policy?: string; now?: string; format: string }, io: Io): Promise<number> {
  const policy = loadPolicy(o.policy);
  const now = o.now ? instant(o.now, '--now') : Date.now();
  // Before the header: a directory or a missing file is a usage error, not a half-written table.
  sizeOf(file);
  const e = emitter(o.format);
  io.out.write(e.head);
  let first = true;
  const bad = await forEachTimeline(file, policy, now, io, (d) => {
    const s = (first ? '' : e.sep) + e.emit(d);
    first = false;
    return write(io.out, s);
  });
  io.out.write(first ? (o.format === 'json' ? ']\n' : '') : e.tail);
  if (bad) io.err.write(`sla: ${bad} input record(s) could not be evaluated\n`);
  return bad ? 2 : 0;
}

async function reportCmd(file: string, o: { policy?: string; now?: string; format: string; progress?: boolean; outcomes?: boolean; from?: string; to?: string; tier?: string; priority?: string; metric?: string }, io: Io): Promise<number> {
  const onlyWithOutcomes = (['from', 'to', 'tier', 'priority', 'metric'] as const).find((k) => o[k] !== undefined);
  if (!o.outcomes && (onlyWithOutcomes || o.format === 'csv')) throw new UsageError(`${onlyWithOutcomes ? `--${onlyWithOutcomes}` : '--format csv'} needs --outcomes`);
  const policy = loadPolicy(o.policy);
  const now = o.now ? instant(o.now, '--now') : Date.now();
  const period = { from: o.from ? instant(o.from, '--from') : null, to: o.to ? instant(o.to, '--to') : null };
  if (period.from !== null && period.to !== null && period.to <= period.from) throw new UsageError('--to: must be after --from');
  const size = sizeOf(file);
  const showBar = size > 0 && (o.progress || (size > 8 << 20 && (io.err as NodeJS.WriteStream).isTTY));
  const bar = showBar ? new SingleBar({ stream: io.err, format: 'report [{bar}] {percentage}% | {value}/{total} bytes', noTTYOutput: true, notTTYSchedule: 1000 }, Presets.shades_classic) : null;
  bar?.start(size, 0);
  let read = 0;
  const scope = { ...(o.tier !== undefined ? { tier: o.tier } : {}), ...(o.priority !== undefined ? { priority: o.priority } : {}), ...(o.metric !== undefined ? { metric: o.metric } : {}) };
  const builder = new ReportBuilder({ period, scope, now });
  const bad = await forEachTimeline(
    file,
    policy,
    now,
    io,
    // The ticket's group now, as the hosts keep it with each Outcome (their stores and exports show it).
    (d, clocks, t) => (o.outcomes ? outcomesOf(d, clocks, t ? groupNow(t) : null).forEach((x) => builder.addOutcome(x)) : builder.add(d)),
    (n) => {
      read += n;
      bar?.update(read);
    },
    o.outcomes,
  );
  bar?.stop();
  if (o.outcomes) {
    const report = builder.outcomeReport();
    if (o.format === 'json') io.out.write(JSON.stringify(report, null, 2) + '\n');
    else if (o.format === 'csv') io.out.write(reportCsv(report.rows));
    else writeOutcomeTables(report, io);
    if (bad) io.err.write(`sla: ${bad} input record(s) could not be evaluated\n`);
    return bad ? 2 : 0;
  }
  const rows = builder.rows();
  if (o.format === 'json') io.out.write(JSON.stringify(rows, null, 2) + '\n');
  else {
    const w = [10, 9, 16, 8, 6, 9, 6, 7, 14, 14, 8];
    const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join(' ').trimEnd() + '\n';
    // Cycles and handoffs only for policies with recurring Metrics: other reports read as before.
    const cyclic = rows.some((r) => r.cycles);
    const head = ['tier', 'priority', 'metric', 'tickets', 'met', 'breached', 'open', 'met %', 'median (work)'];
    io.out.write(line(cyclic ? [...head, 'cycles met', 'handoffs'] : head));
    for (const r of rows) {
      const cells = [r.tier, r.priority, r.metric, String(r.tickets), String(r.met), String(r.breached), String(r.open), r.metPercent === null ? '-' : r.metPercent.toFixed(1), r.medianWorkingMs === null ? '-' : formatMs(r.medianWorkingMs)];
      if (cyclic) cells.push(r.cycles ? `${r.cycles.met}/${r.cycles.count}` : '-', r.cycles?.handoffs === undefined ? '-' : String(r.cycles.handoffs));
      io.out.write(line(cells));
    }
  }
  if (bad) io.err.write(`sla: ${bad} input record(s) could not be evaluated\n`);
  return bad ? 2 : 0;
}

function writeOutcomeTables(report: OutcomeReport, io: Io): void {
  const table = (w: number[], rows: string[][]) => {
    for (const r of rows) io.out.write(r.map((c, i) => c.padEnd(w[i])).join(' ').trimEnd() + '\n');
  };
  const pct = (p: number | null) => (p === null ? '-' : p.toFixed(1));
  const at = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());
  table([10, 9, 16, 8, 6, 9, 6, 7, 14], [
    ['tier', 'priority', 'metric', 'tickets', 'met', 'breached', 'open', 'met %', 'median (work)'],
    ...report.rows.map((r) => [r.tier, r.priority, r.metric, String(r.tickets), String(r.met), String(r.breached), String(r.open), pct(r.metPercent), r.medianWorkingMs === null ? '-' : formatMs(r.medianWorkingMs)]),
  ]);
  io.out.write('\nweek (UTC, by start)\n');
  table([10, 6, 9, 6, 7], [['week', 'met', 'breached', 'open', 'met %'], ...report.weeks.map((w) => [w.week, String(w.met), String(w.breached), String(w.open), pct(w.metPercent)])]);
  io.out.write('\nworst breaches\n');
  table([12, 16, 6, 24, 10], [['ticket', 'metric', 'cycle', 'due', 'late'], ...report.worst.map((w) => [w.ticketId, w.metric, String(w.cycle), at(w.dueAt), formatMs(w.lateMs)])]);
}

function holidays(region: string, o: { years: string; write?: string; calendar?: string }, io: Io): void {
  const years = o.years.split(',').map((y) => Number(y.trim()));
  if (years.some((y) => !Number.isInteger(y) || y < 1901 || y > 2200)) throw new UsageError(`--years: expected years like 2026,2027; got "${o.years}"`);
  let list;
  try {
    // Loaded here only: date-holidays carries every country's rules, which no other command needs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { generateHolidays } = require('./holidays') as typeof import('./holidays');
    list = generateHolidays(region, years);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!o.write) {
    for (const h of list) io.out.write(`- { date: "${h.date}", name: ${JSON.stringify(h.name)} }\n`);
    return;
  }
  if (!o.calendar) throw new UsageError('--write needs --calendar NAME: the calendar to write the holidays into');
  const file = o.write;
  const name = o.calendar;
  const holidayList = list.map((h) => ({ date: h.date, name: h.name }));
  let read;
  try {
    read = readCapped(file, MAX_POLICY_BYTES);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new UsageError(`cannot read "${file}": ${code ?? (e as Error).message}`);
    read = null;
  }
  // The file is a policy, or a holidays file, so it holds at most what a policy may: /dev/zero is
  // refused, not read on.
  if (read?.over) throw new UsageError(policyTooLarge(file));
  if (read === null || read.text.trim() === '') {
    // No file yet (or an empty one): a new one holds the calendar's holidays alone, to merge into a
    // policy. It is not a policy, so it is not checked as one.
    const doc = new Document({ calendars: { [name]: { holidaysFrom: { region, years }, holidays: holidayList } } });
    doc.commentBefore = holidaysFileHeader([{ name, region, years }]);
    (doc.getIn(['calendars', name, 'holidaysFrom'], true) as { flow?: boolean }).flow = true;
    try {
      writeFileSync(file, doc.toString(), { flag: read === null ? 'wx' : 'w' });
    } catch (err) {
      throw new UsageError(`cannot create "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    io.out.write(`created ${file} with ${list.length} holidays in calendars.${name}\n`);
    return;
  }
  const text = read.text;
  const doc = parseDocument(text);
  if (isHolidaysFile(doc)) {
    // A file this command created (calendars alone, no policy around them), run again: the
    // calendar's holidays are replaced, or the calendar added; its other calendars stay.
    const cal = doc.getIn(['calendars', name], true);
    if (cal !== undefined && cal !== null && !isMap(cal)) throw new UsageError(`calendars.${name} in ${file} is not a mapping: not written`);
    if (isMap(cal)) {
      doc.setIn(['calendars', name, 'holidaysFrom'], doc.createNode({ region, years }, { flow: true }));
      doc.setIn(['calendars', name, 'holidays'], doc.createNode(holidayList));
    } else {
      doc.setIn(['calendars', name], doc.createNode({ holidaysFrom: { region, years }, holidays: holidayList }));
      (doc.getIn(['calendars', name, 'holidaysFrom'], true) as { flow?: boolean }).flow = true;
    }
    // The header this command wrote says which holidays the file holds: it is kept true.
    if (!doc.commentBefore || doc.commentBefore.includes(HOLIDAYS_MARK)) {
      let cals: Record<string, { holidaysFrom?: { region?: unknown; years?: unknown } } | null>;
      try {
        cals = (doc.toJS() as { calendars: typeof cals }).calendars;
      } catch (e) {
        throw new UsageError(`not written: ${file}: ${(e as Error).message}`);
      }
      doc.commentBefore = holidaysFileHeader(Object.entries(cals).map(([n, c]) => ({ name: n, region: c?.holidaysFrom?.region, years: c?.holidaysFrom?.years })));
    }
    writeFileSync(file, doc.toString());
    io.out.write(`updated ${file} with ${list.length} holidays in calendars.${name}\n`);
    return;
  }
  // Otherwise the file is a policy: its problems, if it has any, are its own, and said to be so.
  const errorsOf = (t: string) => validatePolicyText(t).problems.filter((p) => p.level === 'error');
  const lines = (ps: Problem[]) => ps.map((p) => `  ${printable(formatProblem(p))}`).join('\n');
  const notAPolicy = (errors: Problem[]) =>
    new UsageError(
      `not written: ${file} is neither a policy that checks nor a holidays file from \`sla holidays\` (one that holds calendars alone); as a policy it has ${errors.length} error(s):\n${lines(errors)}\n` +
        `fix them (\`sla check ${file}\`), or give --write the name of a file that does not exist, to create a holidays file`,
    );
  const cal = doc.getIn(['calendars', name]);
  if (!cal || typeof cal !== 'object') {
    const before = errorsOf(text);
    if (before.length) throw notAPolicy(before);
    const names = Object.keys((doc.toJS() as { calendars?: object }).calendars ?? {});
    throw new UsageError(`calendars.${name}: no such calendar in ${file} (${names.length ? `it has ${names.join(', ')}` : 'it has none'}); name one with --calendar`);
  }
  // Only the two values change in the text: the rest of the admin's file stays byte for byte.
  let next = spliceMapValues(text, doc, ['calendars', name], [
    { key: 'holidaysFrom', value: { region, years }, flow: true },
    { key: 'holidays', value: holidayList, flow: false },
  ]);
  if (next === null) {
    doc.setIn(['calendars', name, 'holidays'], doc.createNode(holidayList, { flow: false }));
    doc.setIn(['calendars', name, 'holidaysFrom'], doc.createNode({ region, years }, { flow: true }));
    next = doc.toString({ lineWidth: 0 });
  }
  // Never leave a file that no longer checks: validate before writing.
  const errors = errorsOf(next);
  if (errors.length) {
    const before = errorsOf(text);
    if (before.length) throw notAPolicy(before);
    throw new UsageError(`not written: ${file} would not check with these holidays in calendars.${name}:\n${lines(errors)}`);
  }
  writeFileSync(file, next);
  io.out.write(`wrote ${list.length} holidays into calendars.${name} of ${file}\n`);
}

/** How the header of a holidays file from `sla holidays` says so (and how a later run knows it). */
const HOLIDAYS_MARK = 'from `sla holidays`';

/** The comment a holidays file starts with: what it holds, and that it is merged into a policy. */
function holidaysFileHeader(cals: { name: string; region?: unknown; years?: unknown }[]): string {
  const merge = "into a policy's calendars (its zone and hours are the policy's).";
  const of = (c: (typeof cals)[number]) => (typeof c.region === 'string' && Array.isArray(c.years) ? `${c.region}, ${c.years.join(', ')}` : null);
  if (cals.length === 1 && of(cals[0])) return ` Public holidays of ${of(cals[0])}, ${HOLIDAYS_MARK}.\n Merge calendars.${cals[0].name} ${merge}`;
  const each = cals.map((c) => (of(c) ? `calendars.${c.name} (${of(c)})` : `calendars.${c.name}`)).join(', ');
  return ` Public holidays ${HOLIDAYS_MARK}: ${each}.\n Merge each calendar ${merge}`;
}

/** A file `sla holidays --write` created: a mapping of calendars alone, which no policy is. */
function isHolidaysFile(doc: Document): boolean {
  if (doc.errors.length || !isMap(doc.contents)) return false;
  const items = doc.contents.items;
  return items.length === 1 && isScalar(items[0].key) && items[0].key.value === 'calendars' && isMap(items[0].value);
}

