import type { BoardProfile } from '../hal/board-profile.js';
import type { PowerReading, PowerSource } from './power-source.js';

/** Anything that reports CPU utilisation, 0..1 over all cores since its previous call (the HAL's `createCpuUtilisation`). */
export interface UtilisationReader {
  /** Utilisation since the previous call, 0..1. */
  sample(): Promise<number>;
}

/**
 * An estimate of the board's power from CPU utilisation `u` (0..1 over all
 * cores): `idleW + u x (loadW - idleW)`, with the board profile's whole-board
 * idle and full-load watts. Linear in utilisation, blind to the clock, the
 * GPU, USB devices and the radio: a rough guide when nothing measures, never
 * a measurement. Every reading is the mean over the interval since the
 * previous read and is labelled `estimated`.
 *
 * @param options - `board`: the profile with `power.idleW` / `power.loadW`;
 *   `utilisation`: the CPU utilisation reader (the HAL's `createCpuUtilisation({ root })`)
 * @returns the source, id `estimate`
 * @throws RangeError when the profile's idle or load watts are missing or inconsistent
 * @example
 * ```ts
 * const source = await openEstimatePowerSource({ board, utilisation: createCpuUtilisation({ root: '/' }) });
 * ```
 */
export async function openEstimatePowerSource(options: { board: BoardProfile; utilisation: UtilisationReader }): Promise<PowerSource> {
  const { idleW, loadW } = options.board.power ?? {};
  if (typeof idleW !== 'number' || typeof loadW !== 'number' || !(idleW >= 0) || !(loadW >= idleW)) {
    throw new RangeError(`board ${options.board.id} needs power.idleW >= 0 and power.loadW >= idleW for an estimate, found ${String(idleW)} and ${String(loadW)}`);
  }
  // Start the utilisation window now, so the first read covers the time since open.
  await options.utilisation.sample();
  return {
    id: 'estimate', kind: 'estimated', boundary: 'model',
    label: `estimated from CPU utilisation and ${options.board.name}'s ${idleW} W idle / ${loadW} W load (not a measurement)`,
    read: async (): Promise<PowerReading> => {
      const u = Math.min(1, Math.max(0, await options.utilisation.sample()));
      return { type: 'average', watts: idleW + u * (loadW - idleW) };
    },
    close: async () => undefined,
  };
}
