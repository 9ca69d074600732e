import { parseDuration } from './duration';
import { own } from './limits';
import { parsePolicy } from './parse';
import { buildCalendar, compilePolicy, PolicyError, tagPart } from './policy';
import { Problem } from './problem';
import { CalendarSpec, Policy, TargetSpec } from './schema';
import { clockWords, HOSTS, JIRA_STATUS_CATEGORIES, matcherFor, ZENDESK_STATUS_CATEGORIES, ZENDESK_STATUSES, type Host, type StatusMatcher } from './status';

/**
 * Contradictions and gaps a policy can hold while still being well-formed: the seeds have several
 * (a P3 resolution shorter than its response, a "2X faster" that one row breaks). We flag them
 * rather than guess.
 */
export function lintPolicy(policy: Policy): Problem[] {
  const out: Problem[] = [];
  const refs = references(policy, out);
  tagCollisions(policy, out);
  matrix(policy, out);
  targets(policy, out);
  calendars(policy, refs, out);
  statuses(policy, out);
  nativePriorities(policy, out);
  rules(policy, out);
  ladders(policy, out);
  for (const a of policy.assumptions) out.push({ level: 'assumption', path: a.path, message: a.note, code: 'assumption' });
  if (!out.some((p) => p.level === 'error')) {
    try {
      compilePolicy(policy);
    } catch (e) {
      if (e instanceof PolicyError) out.push(...e.problems);
      else throw e;
    }
  }
  return out;
}

/**
 * The one validation of a policy's text: its size, YAML, the schema, then lint. `sla check` and every
 * `--policy`, the sidebar's settings, Forge's setConfig and the service's tenant settings all call
 * it, so none accepts a policy another refuses. `policy` is set only when no problem is an error;
 * `problems` holds every finding (errors, warnings, assumptions to confirm), for `sla check` to print.
 */
export function validatePolicyText(text: string): { policy?: Policy; problems: Problem[] } {
  const parsed = parsePolicy(text);
  if (!parsed.policy) return parsed;
  const problems = lintPolicy(parsed.policy);
  return problems.some((p) => p.level === 'error') ? { problems } : { policy: parsed.policy, problems };
}

/** The name the hosts first called it by: the same function, so there is still one check. */
export const checkPolicyText = validatePolicyText;

const err = (out: Problem[], path: string, message: string, code: string) => out.push({ level: 'error', path, message, code });
const warn = (out: Problem[], path: string, message: string, code: string) => out.push({ level: 'warning', path, message, code });

function calendarNames(p: Policy): Set<string> {
  return new Set(['24x7', ...Object.keys(p.calendars)]);
}

/** Where a Clock can run on calendars: a reference's path and the calendars it names (a union when several). */
type CalendarRef = { path: string; names: string[] };

/** Unknown tiers, priorities, metrics and calendars; returns every calendar reference it checked. */
function references(p: Policy, out: Problem[]): CalendarRef[] {
  const cals = calendarNames(p);
  const refs: CalendarRef[] = [];
  const checkCal = (ref: string | string[] | undefined, path: string) => {
    const names = ref === undefined ? [] : Array.isArray(ref) ? ref : [ref];
    if (names.length) refs.push({ path, names });
    for (const c of names) {
      if (!cals.has(c)) err(out, path, `unknown calendar "${c}" (known: ${[...cals].join(', ')})`, 'unknown-calendar');
    }
  };
  const tiers = Object.keys(p.tiers);
  const prios = Object.keys(p.priorities);
  const metrics = Object.keys(p.metrics);
  checkCal(p.calendar, 'calendar');
  if (p.defaultTier && !own(p.tiers, p.defaultTier)) err(out, 'defaultTier', `unknown tier "${p.defaultTier}" (known: ${tiers.join(', ')})`, 'unknown-tier');
  if (p.defaultCategory && !own(p.categories, p.defaultCategory)) {
    err(out, 'defaultCategory', `unknown category "${p.defaultCategory}" (known: ${Object.keys(p.categories).join(', ')})`, 'unknown-category');
  }
  for (const [tid, t] of Object.entries(p.tiers)) {
    checkCal(t.calendar, `tiers.${tid}.calendar`);
    if (t.claims && !own(p.tiers, t.claims.fasterThan)) {
      err(out, `tiers.${tid}.claims.fasterThan`, `unknown tier "${t.claims.fasterThan}" (known: ${tiers.join(', ')})`, 'unknown-tier');
    }
    for (const [prio, byMetric] of Object.entries(t.targets)) {
      if (!own(p.priorities, prio)) err(out, `tiers.${tid}.targets.${prio}`, `unknown priority "${prio}" (known: ${prios.join(', ')})`, 'unknown-priority');
      for (const [m, spec] of Object.entries(byMetric)) {
        const path = `tiers.${tid}.targets.${prio}.${m}`;
        if (!own(p.metrics, m)) err(out, path, `unknown metric "${m}" (known: ${metrics.join(', ')})`, 'unknown-metric');
        if (typeof spec === 'object') checkCal(spec.calendar, `${path}.calendar`);
      }
    }
  }
  for (const [cid, c] of Object.entries(p.categories)) {
    for (const [m, spec] of Object.entries(c.targets ?? {})) {
      const path = `categories.${cid}.targets.${m}`;
      if (!own(p.metrics, m)) err(out, path, `unknown metric "${m}" (known: ${metrics.join(', ')})`, 'unknown-metric');
      if (typeof spec === 'object') checkCal(spec.calendar, `${path}.calendar`);
    }
  }
  for (const [prio, list] of Object.entries(p.coverage)) {
    if (!own(p.priorities, prio)) err(out, `coverage.${prio}`, `unknown priority "${prio}" (known: ${prios.join(', ')})`, 'unknown-priority');
    checkCal(list, `coverage.${prio}`);
  }
  p.maintenance.forEach((m, i) => checkCal(m.calendar, `maintenance[${i}].calendar`));
  checkCal(p.triage?.calendar, 'triage.calendar');
  return refs;
}

/** What each kind of id becomes on a host: a tag, a drop-down option's value or a due field's key. */
const ON_HOSTS: readonly { kind: string; key: string; ids: (p: Policy) => [id: string, path: string][] }[] = [
  { kind: 'tier', key: 'tag sla_tier_', ids: (p) => Object.keys(p.tiers).map((id) => [id, `tiers.${id}`]) },
  { kind: 'priority', key: 'tag sla_priority_', ids: (p) => Object.keys(p.priorities).map((id) => [id, `priorities.${id}`]) },
  { kind: 'metric', key: 'due field sla_due_', ids: (p) => Object.keys(p.metrics).map((id) => [id, `metrics.${id}`]) },
  { kind: 'category', key: 'tag sla_category_', ids: (p) => Object.keys(p.categories).map((id) => [id, `categories.${id}`]) },
  { kind: 'impact', key: 'tag sla_impact_', ids: (p) => levelIds(p, 'impact') },
  { kind: 'urgency', key: 'tag sla_urgency_', ids: (p) => levelIds(p, 'urgency') },
];

function levelIds(p: Policy, axis: 'impact' | 'urgency'): [string, string][] {
  const c = p.classification;
  return c.method === 'matrix' ? c[axis].map((l, i) => [l.id, `classification.${axis}[${i}].id`]) : [];
}

/**
 * Ids that differ only in case or in - . _ (plus and Plus, plus-x and plus_x) are one tag or one
 * due field on the hosts: a ticket of one would read as the other.
 */
function tagCollisions(p: Policy, out: Problem[]): void {
  for (const { kind, key, ids } of ON_HOSTS) {
    const first = new Map<string, string>();
    for (const [id, path] of ids(p)) {
      const name = key + tagPart(id);
      const earlier = first.get(name);
      if (earlier === undefined) first.set(name, path);
      else err(out, path, `${kind} "${id}" is the same ${name} as ${earlier} on the hosts: ids must differ in more than case and - . _`, 'same-on-hosts');
    }
  }
}

function matrix(p: Policy, out: Problem[]): void {
  const c = p.classification;
  if (c.method !== 'matrix') return;
  const impacts = c.impact.map((l) => l.id);
  const urgencies = c.urgency.map((l) => l.id);
  for (const [imp, row] of Object.entries(c.matrix)) {
    if (!impacts.includes(imp)) err(out, `classification.matrix.${imp}`, `unknown impact "${imp}" (known: ${impacts.join(', ')})`, 'unknown-impact');
    for (const [urg, prio] of Object.entries(row)) {
      const path = `classification.matrix.${imp}.${urg}`;
      if (!urgencies.includes(urg)) err(out, path, `unknown urgency "${urg}" (known: ${urgencies.join(', ')})`, 'unknown-urgency');
      if (!own(p.priorities, prio)) err(out, path, `unknown priority "${prio}" (known: ${Object.keys(p.priorities).join(', ')})`, 'unknown-priority');
    }
  }
  for (const imp of impacts) {
    for (const urg of urgencies) {
      if (!own(own(c.matrix, imp), urg)) {
        warn(out, `classification.matrix.${imp}.${urg}`, `incomplete matrix: Impact ${imp} x Urgency ${urg} gives no priority`, 'incomplete-matrix');
      }
    }
  }
}

/**
 * Each calendar's average working day, built at most once per check: building a calendar's year
 * per target made a large policy take most of a minute to lint.
 */
type YearOf = { dayMs: number; workingMs: number; days: number };
type DayLengths = (name: string) => YearOf | null;
function dayLengths(p: Policy): DayLengths {
  const memo = new Map<string, YearOf | null>();
  return (name) => {
    if (memo.has(name)) return memo.get(name)!;
    const cal: CalendarSpec | undefined = name === '24x7' ? '24x7' : own(p.calendars, name);
    let year: YearOf | null = null;
    try {
      if (cal) {
        const c = buildCalendar(name, cal);
        year = { dayMs: c.averageDayMs(2026), ...c.yearTotals(2026) };
      }
    } catch {
      year = null;
    }
    memo.set(name, year);
    return year;
  };
}

const MAX_YEARS = 10;

/**
 * A Target that needs more than 10 years of its Calendar's working time: within the schema's
 * bound, but on a Calendar that works ten minutes a week it would take centuries, and evaluation
 * would build every year up to 2200 before it failed. For a union, its largest member counts.
 */
function tooLong(spec: TargetSpec, defaultCal: string | string[], years: DayLengths): string | null {
  const d = parseDuration(typeof spec === 'object' ? spec.in : spec);
  if (!d || (d.kind !== 'working' && d.kind !== 'days')) return null;
  const ref = typeof spec === 'object' && spec.calendar ? spec.calendar : defaultCal;
  const names = Array.isArray(ref) ? ref : [ref];
  const known = names.map(years).filter((y): y is YearOf => y !== null);
  if (!known.length) return null;
  const most = (f: (y: YearOf) => number) => Math.max(...known.map(f));
  const needs = d.kind === 'working' ? d.ms / most((y) => y.workingMs) : d.days / most((y) => y.days);
  if (needs <= MAX_YEARS) return null;
  const per = d.kind === 'working' ? `${Math.round(most((y) => y.workingMs) / 3_600_000)} working hours` : `${most((y) => y.days)} working days`;
  return `${text(spec)} would take ${Number.isFinite(needs) ? `about ${Math.ceil(needs)} years` : 'forever'} on calendar ${names.join('+')}, which has ${per} a year; the most a target may take is ${MAX_YEARS} years`;
}

/** A target's nominal length in ms, business days taken at the calendar's average day. */
function nominalMs(spec: TargetSpec, defaultCal: string | string[], dayMs: DayLengths): number | null {
  const d = parseDuration(typeof spec === 'object' ? spec.in : spec);
  if (!d) return null;
  if (d.kind === 'working') return d.ms;
  if (d.kind !== 'days') return null;
  const ref = typeof spec === 'object' && spec.calendar ? spec.calendar : defaultCal;
  const year = dayMs(Array.isArray(ref) ? ref[0] : ref);
  return year === null ? null : d.days * year.dayMs;
}

function targets(p: Policy, out: Problem[]): void {
  const response = Object.entries(p.metrics).filter(([, m]) => m.stopsAt === 'first_public_reply').map(([id]) => id);
  const resolution = Object.entries(p.metrics).filter(([, m]) => m.stopsAt === 'solved').map(([id]) => id);
  const dayMs = dayLengths(p);
  for (const [cid, c] of Object.entries(p.categories)) {
    for (const [m, spec] of Object.entries(c.targets ?? {})) {
      const long = tooLong(spec, p.calendar, dayMs);
      if (long) err(out, `categories.${cid}.targets.${m}`, long, 'target-too-long');
    }
  }
  for (const [tid, t] of Object.entries(p.tiers)) {
    const cal = (prio: string) => own(p.coverage, prio) ?? t.calendar ?? p.calendar;
    for (const prio of Object.keys(p.priorities)) {
      const row = own(t.targets, prio);
      if (!row) {
        warn(out, `tiers.${tid}.targets.${prio}`, `priority ${prio} has no targets in tier "${t.label}"`, 'priority-without-targets');
        continue;
      }
      for (const [m, spec] of Object.entries(row)) {
        const path = `tiers.${tid}.targets.${prio}.${m}`;
        const written = typeof spec === 'object' ? spec.in : spec;
        if (written === 'agreement') warn(out, path, 'left "defined in agreement" with no value: no clock runs until one is set', 'defined-in-agreement');
        if (typeof spec === 'object' && spec.assumed) out.push({ level: 'assumption', path, message: spec.assumed, code: 'assumed-value' });
        const long = tooLong(spec, cal(prio), dayMs);
        if (long) err(out, path, long, 'target-too-long');
      }
      // Each target's length once per row, not once per pair of metrics.
      const nominal = new Map<string, number | null>();
      const lengthOf = (m: string) => {
        if (!nominal.has(m)) nominal.set(m, nominalMs(row[m], cal(prio), dayMs));
        return nominal.get(m)!;
      };
      for (const r of resolution) {
        for (const f of response) {
          if (!own(row, r) || !own(row, f)) continue;
          const rm = lengthOf(r);
          const fm = lengthOf(f);
          if (rm !== null && fm !== null && rm < fm) {
            warn(out, `tiers.${tid}.targets.${prio}.${r}`, `resolution target (${text(row[r])}) is shorter than the ${p.metrics[f].label.toLowerCase()} target (${text(row[f])})`, 'resolution-before-response');
          }
        }
      }
    }
    if (t.claims && own(p.tiers, t.claims.fasterThan)) speedClaim(p, tid, out, cal, dayMs);
  }
}

function speedClaim(p: Policy, tid: string, out: Problem[], cal: (prio: string) => string | string[], dayMs: DayLengths): void {
  const t = p.tiers[tid];
  const { fasterThan, factor } = t.claims!;
  const base = own(p.tiers, fasterThan)!;
  for (const [prio, row] of Object.entries(t.targets)) {
    for (const [m, spec] of Object.entries(row)) {
      const other = own(own(base.targets, prio), m);
      if (!other) continue;
      const mine = nominalMs(spec, cal(prio), dayMs);
      const theirs = nominalMs(other, base.calendar ?? p.calendar, dayMs);
      if (mine === null || theirs === null) continue;
      if (mine * factor > theirs + 1) {
        warn(
          out,
          `tiers.${tid}.targets.${prio}.${m}`,
          `"${t.label}" claims ${factor}X faster than "${base.label}", but ${text(spec)} is not ${factor}X faster than ${text(other)}`,
          'speed-claim-broken',
        );
      }
    }
  }
}

function text(spec: TargetSpec): string {
  const s = typeof spec === 'object' ? spec.in : spec;
  return typeof s === 'number' ? `${s}m` : s;
}

/** A calendar's working time comes back every week: 24x7, or a window on some weekday. */
function worksWeekly(c: CalendarSpec): boolean {
  return c === '24x7' || c.hours === '24x7' || Object.values(c.hours).some((w) => w && w.length > 0);
}

function worksOnHolidays(c: CalendarSpec): c is Exclude<CalendarSpec, '24x7'> {
  return c !== '24x7' && c.holidayHours.length > 0 && c.holidays.length > 0;
}

/**
 * A Clock on calendars none of which work weekly runs out of working time (holidayHours work only on
 * the holidays listed, and the list ends), and every evaluation that reaches it then fails. In a
 * coverage union beside a weekly calendar, a holidays-only one is fine: that is what it is for.
 */
function calendars(p: Policy, refs: readonly CalendarRef[], out: Problem[]): void {
  for (const [name, c] of Object.entries(p.calendars)) {
    if (!worksWeekly(c) && !worksOnHolidays(c)) warn(out, `calendars.${name}`, 'calendar has no working time', 'no-working-time');
    // Agents read the label beside every countdown; what is assumed is for admins to confirm.
    if (typeof c === 'object' && c.label && /\bassum/i.test(c.label)) warn(out, `calendars.${name}.label`, 'agents see this label on every countdown: say what is assumed under assumptions (path calendars.' + name + '), not in the label', 'assumed-label');
  }
  for (const { path, names } of refs) {
    const specs = names.map((n) => (n === '24x7' ? '24x7' : own(p.calendars, n)));
    if (specs.some((c) => c === undefined || worksWeekly(c))) continue;
    const why = names.map((n) => `calendars.${n} ${finiteHours(own(p.calendars, n)!)}`).join('; ');
    const clock = names.length > 1 ? 'a Clock on this union' : 'a Clock on it alone';
    err(out, path, `${why}: ${clock} runs out of working time and every evaluation that uses it fails; give it weekly hours, or use it in a coverage union with a calendar that has them`, 'no-weekly-hours');
  }
}

function finiteHours(c: CalendarSpec): string {
  if (!worksOnHolidays(c)) return 'has no working time';
  const last = c.holidays.map((h) => (typeof h === 'string' ? h : h.date)).reduce((a, b) => (b > a ? b : a));
  return `works only on its ${c.holidays.length} holiday(s) (holidayHours), the last on ${last}`;
}

const HOST_NAMES: Record<Host, string> = { zendesk: 'Zendesk', jira: 'Jira' };

/** Can a host ever send a status this matcher accepts? Jira's names are a site's own, so any name can. */
function reachable(host: Host, m: StatusMatcher): boolean {
  const has = (list: readonly string[] | undefined, known: readonly string[]) => (list ?? []).some((x) => known.includes(x.toLowerCase()));
  if ((m.ids ?? []).length) return true;
  if (host === 'jira') return (m.names ?? []).length > 0 || has(m.categories, JIRA_STATUS_CATEGORIES);
  return has(m.names, ZENDESK_STATUSES) || has(m.categories, ZENDESK_STATUS_CATEGORIES);
}

/** A pause or solved word no host status maps to never pauses or stops a clock there: say so. */
function statuses(p: Policy, out: Problem[]): void {
  for (const { word, path, kind } of clockWords(p)) {
    for (const host of HOSTS) {
      if (reachable(host, matcherFor(p, host, word, kind))) continue;
      const hint =
        host === 'zendesk'
          ? `Zendesk sends ${ZENDESK_STATUSES.join(', ')} (and custom statuses by id)`
          : `Jira sends its workflow's status names and the categories ${JIRA_STATUS_CATEGORIES.join(', ')}`;
      warn(out, path, `"${word}" matches no status ${HOST_NAMES[host]} can send, so it never ${kind === 'pause' ? 'pauses' : 'stops'} a clock there: ${hint}; map it under clock.hosts.${host}.${word}`, 'unmapped-status');
    }
  }
}

/** Zendesk has four priorities: policy priorities that share one still keep their own in the SLA priority field. */
function nativePriorities(p: Policy, out: Problem[]): void {
  const byNative = new Map<string, string[]>();
  for (const [id, pr] of Object.entries(p.priorities)) byNative.set(pr.zendesk, [...(byNative.get(pr.zendesk) ?? []), id]);
  for (const [native, ids] of byNative) {
    if (ids.length < 2) continue;
    warn(out, `priorities.${ids[1]}.zendesk`, `priorities ${ids.join(', ')} share Zendesk's "${native}": Zendesk views see them as one; SLA Desk keeps the policy priority in its own field`, 'shared-native-priority');
  }
}

/** The condition keys a rule may name besides the policy's own attributes. */
export const CONDITION_KEYS = ['tag', 'organization', 'brand', 'form', 'group', 'status', 'priority', 'tier', 'category'] as const;

/**
 * Rules: every key known, every tier, priority, category and metric one the policy has; a rule
 * that an earlier one shadows (whenever it holds, the earlier holds too, so it never wins) or that
 * changes nothing is named.
 */
function rules(p: Policy, out: Problem[]): void {
  const known: Record<string, string[] | null> = { tier: Object.keys(p.tiers), priority: Object.keys(p.priorities), category: Object.keys(p.categories) };
  const lower = (xs: string[]) => new Set(xs.map((x) => x.trim().toLowerCase()));
  p.rules.forEach((r, i) => {
    const path = `rules[${i}]`;
    for (const [key, values] of Object.entries(r.when)) {
      if (!(CONDITION_KEYS as readonly string[]).includes(key) && !own(p.attributes, key)) {
        err(out, `${path}.when.${key}`, `unknown condition "${key}" (known: ${[...CONDITION_KEYS, ...Object.keys(p.attributes)].join(', ')})`, 'unknown-condition');
        continue;
      }
      const ids = known[key];
      if (ids) {
        const have = lower(ids);
        const none = values.filter((v) => !have.has(v.trim().toLowerCase()));
        if (none.length === values.length) warn(out, `${path}.when.${key}`, `never matches: no ${key} is ${none.map((v) => `"${v}"`).join(' or ')} (known: ${ids.join(', ')})`, 'rule-never-matches');
      }
    }
    if (r.tier !== undefined && !own(p.tiers, r.tier)) err(out, `${path}.tier`, `unknown tier "${r.tier}" (known: ${Object.keys(p.tiers).join(', ')})`, 'unknown-tier');
    for (const m of Object.keys(r.targets ?? {})) if (!own(p.metrics, m)) err(out, `${path}.targets.${m}`, `unknown metric "${m}" (known: ${Object.keys(p.metrics).join(', ')})`, 'unknown-metric');
    if (r.tier === undefined && r.targets === undefined && r.calendar === undefined) warn(out, path, 'changes nothing: give it a tier, targets or a calendar', 'rule-no-effect');
    for (let j = 0; j < i; j++) {
      const e = p.rules[j];
      // Shadowed: every condition of the earlier rule is one of this rule's, with no value it lacks.
      const covered = Object.entries(e.when).every(([k, vs]) => {
        const mine = own(r.when, k);
        if (!mine) return false;
        const theirs = lower(vs);
        return mine.every((v) => theirs.has(v.trim().toLowerCase()));
      });
      if (covered) {
        warn(out, path, `never wins: rule ${j}${e.name ? ` ("${e.name}")` : ''} holds whenever this one does, and comes first`, 'rule-shadowed');
        break;
      }
    }
  });
}

const RECURRING: readonly string[] = ['next_public_reply', 'periodic_update', 'group_ownership'];

/** Ladders: levels in the order they are reached; thresholds in clock or working time, not business days. */
function ladders(p: Policy, out: Problem[]): void {
  const rank = (a: Record<string, unknown>): number => ('percent' in a ? 0 : 'remaining' in a ? 1 : 'breached' in a ? 2 : 3);
  for (const [id, m] of Object.entries(p.metrics)) {
    const ladder = m.ladder ?? [];
    ladder.forEach((l, i) => {
      const path = `metrics.${id}.ladder[${i}]`;
      const a = l.at as Record<string, unknown>;
      for (const k of ['remaining', 'afterBreach'] as const) {
        if (k in a && parseDuration(a[k] as string)?.kind !== 'working') err(out, `${path}.at.${k}`, 'expected clock or working time (30m, 4h), not business days or none', 'ladder-duration');
      }
      // A recurring Metric would raise the Priority again in every cycle, up to the top.
      const raise = l.actions.findIndex((x) => 'raisePriority' in x);
      if (raise >= 0 && RECURRING.includes(m.stopsAt)) err(out, `${path}.actions[${raise}]`, `raisePriority is for a Metric that does not recur: ${m.stopsAt} starts a new cycle each time, and each would raise the Priority again`, 'ladder-raise-recurring');
      if (i === 0) return;
      const b = ladder[i - 1].at as Record<string, unknown>;
      const before = rank(b) > rank(a) || (rank(a) === rank(b) && ('percent' in a ? (a.percent as number) <= (b.percent as number) : rank(a) === 2 ? true : false));
      if (before) err(out, `${path}.at`, `level ${i + 1} comes no later than level ${i}: list a ladder's levels in the order they are reached`, 'ladder-order');
    });
  }
}
