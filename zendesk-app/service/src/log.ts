/** Structured log lines: ids, outcomes and timings; never a subject, a comment or a name. */
export type Log = (entry: Record<string, string | number | boolean | null>) => void;

/** One JSON line per entry on stdout, with its time: what a log collector reads from a container. */
export const jsonLog: Log = (e) => void process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), ...e })}\n`);
