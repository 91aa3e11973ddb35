// docs/power-wiring.md: which power sources a board has, and opening one.
// Type-checked by `npm run typecheck`; keep it in step with the guide.
import { findHwmonPowerChips, getBoard, listPowerSources, openPowerSampler } from 'tinyedge';

const board = await getBoard('raspberry-pi-4-b');

// What the profile names and the kernel has: hwmon chips by their `name`, RAPL, the Pi 5 PMIC, batteries; then `estimate`.
for (const s of await listPowerSources({ board })) {
  console.log(s.id, s.kind, s.readable ? 'readable' : `not readable: ${s.hint ?? ''}`);
}
console.log((await findHwmonPowerChips()).map((c) => `${c.name} in ${c.dir}`)); // hwmonN changes between boots; the name does not

// Ask for the INA219 by name: an error (with a hint) if it is missing, never a silent estimate.
const power = await openPowerSampler({ board, source: 'hwmon:ina219', hz: 10 });
power.on('sample', (s) => console.log(`${s.watts.toFixed(3)} W (${s.kind})`));
await new Promise((resolve) => setTimeout(resolve, 2000));
const summary = power.summary();
console.log(`${power.source.label}: ${summary.energyJ.toFixed(2)} J over ${summary.durationS.toFixed(1)} s`);
await power.close();
