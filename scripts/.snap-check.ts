import { checkMultiPaxosOrThrow } from '../lib/check/multipaxos';
import type { MultiPaxosCheckOptions } from '../lib/check/multipaxos';
const o = JSON.parse(process.argv[2]!) as MultiPaxosCheckOptions;
const r = checkMultiPaxosOrThrow(o, process.argv[3] ? { maxStates: Number(process.argv[3]) } : {});
console.log(JSON.stringify({ states: r.states, transitions: r.transitions, depth: r.depth, seconds: r.seconds, complete: r.complete, violations: r.violations.map((v) => ({ inv: v.invariants, len: v.length })), sometimes: r.sometimes }));
if (r.violations[0]) console.log(r.violations[0].trace.join('\n'));
