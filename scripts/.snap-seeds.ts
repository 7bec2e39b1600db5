import { multiPaxosSubject } from '../lib/sim/multipaxos-subject';
import { simulate } from '../lib/sim/simulator';
import { simOptions } from '../lib/sim/options';
import { failure, FAULTS } from '../spec/helpers/multipaxos-sim';
const [nodes, every, seeds, mutant] = [Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4]), process.argv[5]];
const subject = multiPaxosSubject({ nodes, snapshotEvery: every, ...(mutant ? { mutant } : {}) });
let bad = 0; let snaps = 0; let installs = 0; let committed = 0;
const t0 = Date.now();
for (let seed = 1; seed <= seeds; seed += 1) {
  const r = simulate(subject, simOptions({ seed, steps: 1200, clients: 4, commands: 100, ...FAULTS }));
  const f = failure(r);
  committed += Number(r.report?.fields['committed'] ?? 0);
  if (f !== null) { bad += 1; if (bad <= 3) console.log(f); }
  if (mutant && r.violations.length > 0) { console.log(`caught at seed ${seed}: ${r.violations[0]!.invariant}`); break; }
}
console.log(`nodes ${nodes} every ${every}: ${bad} bad of ${seeds}, committed ${committed}, ${Date.now() - t0} ms`);
