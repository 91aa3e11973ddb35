import { TinyEdgeError } from '../errors.js';
import { runCommand as defaultRunner } from './command-runner.js';
import type { CommandRunner } from './command-runner.js';
import { parsePmicAdc } from './parse-pmic-adc.js';
import type { PowerReading, PowerSource } from './power-source.js';

/**
 * Open the Raspberry Pi 5 PMIC (DA9091) as a power source: each read runs
 * `vcgencmd pmic_read_adc`, pairs every rail's current with its voltage by
 * name and sums volts x amps over the rails. The sum covers the SoC-side
 * rails only, not wall power: PMIC conversion losses, USB devices and other
 * peripherals are missing, so it reads below a meter at the USB-C input.
 * Every read spawns a process (a few ms of CPU on a Pi 5); 10 Hz is fine,
 * much faster is not.
 *
 * @param options - `runCommand`: how to run `vcgencmd` (default: execFile)
 * @returns the source, id `pmic`, labelled "SoC rails, not wall power"
 * @throws TinyEdgeError `E_NOT_FOUND` when vcgencmd is missing or reports no rails (not a Pi 5),
 *   `E_PERMISSION` when the user is not in the `video` group
 * @example
 * ```ts
 * const pmic = await openPmicPowerSource();
 * console.log(pmic.label, await pmic.read());
 * ```
 */
export async function openPmicPowerSource(options: { runCommand?: CommandRunner } = {}): Promise<PowerSource> {
  const run = options.runCommand ?? defaultRunner;
  const first = parsePmicAdc(await run('vcgencmd', ['pmic_read_adc']));
  if (first.rails.length === 0) {
    throw new TinyEdgeError('E_NOT_FOUND', '`vcgencmd pmic_read_adc` reported no rail with both a current and a voltage.',
      'The PMIC readout exists on the Raspberry Pi 5 family only (with current firmware); pick another source.');
  }
  return {
    id: 'pmic', kind: 'measured', boundary: 'rails',
    label: `Pi 5 PMIC: SoC rails, not wall power (sum of ${first.rails.length} rails, vcgencmd pmic_read_adc)`,
    read: async (): Promise<PowerReading> => {
      const reading = parsePmicAdc(await run('vcgencmd', ['pmic_read_adc']));
      if (reading.rails.length === 0) {
        throw new TinyEdgeError('E_SENSOR', '`vcgencmd pmic_read_adc` reported no rails this time.', 'Run `vcgencmd pmic_read_adc` by hand to see what it prints.');
      }
      return { type: 'power', watts: reading.totalW };
    },
    close: async () => undefined,
  };
}
