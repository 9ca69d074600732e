'use strict';
// One process's evaluation figures, for bench/run.mjs, which starts several of these over time
// and reports the best and the median: on a shared VM a whole process can land on a slow core.
const { join } = require('path');
const root = join(__dirname, '..');
const core = require(join(root, 'core', 'dist', 'index.js'));
const { loadPolicy } = require(join(root, 'core', 'dist', 'presets.js'));
const { timelines } = require('./generate.cjs');

const count = Number(process.argv[2] ?? 200000);
const policy = loadPolicy('kiwi-stage-plus');
const list = [...timelines(count, 11)].map((t) => core.TimelineSchema.parse(t));
const now = Date.UTC(2026, 10, 20, 15);

function evalAll(items, at) {
  let s = 0;
  for (let i = 0; i < items.length; i++) s += core.evaluate(policy, items[i], at + i).metrics.length;
  return s;
}

// Operations per CPU second: stolen time on a shared VM does not count against us.
function rate(n, fn) {
  const c0 = process.cpuUsage();
  const s = fn();
  const used = process.cpuUsage(c0);
  if (s < 0) throw new Error('unreachable');
  return n / ((used.user + used.system) / 1e6);
}

let fresh = 0;
let again = 0;
evalAll(list, now);
for (let r = 0; r < 3; r++) {
  const copies = list.map((t) => ({ ...t }));
  fresh = Math.max(fresh, rate(count, () => evalAll(copies, now)));
}
for (let r = 0; r < 5; r++) again = Math.max(again, rate(count, () => evalAll(list, now)));
process.stdout.write(JSON.stringify({ fresh, again }) + '\n');
