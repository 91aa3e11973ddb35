import { performance } from 'node:perf_hooks';
import { TinyEdgeError } from '../errors.js';
import type { PowerBoundary, PowerKind, PowerReading, PowerSource } from '../power/power-source.js';

/** Options of {@link createScriptedPowerSource}. */
export interface ScriptedPowerSourceOptions {
  /** Watts: a constant, or a function of the ms elapsed since the source was created. */
  watts: number | ((elapsedMs: number) => number);
  /** Reads fail with `E_SENSOR` while this returns true (given the elapsed ms). Default never. */
  failWhen?: (elapsedMs: number) => boolean;
  /** Id. Default `scripted`. */
  id?: string;
  /** Kind. Default `measured` (a stand-in for a meter). */
  kind?: PowerKind;
  /** Label. Default `scripted power source (tinyedge/testing)`. */
  label?: string;
  /** Boundary. Default `board-input`. */
  boundary?: PowerBoundary;
}

/** A {@link ScriptedPowerSource}'s extra counters, for assertions. */
export interface ScriptedPowerSource extends PowerSource {
  /** Reads so far, failed ones included. */
  readonly reads: number;
  /** True once closed. */
  readonly closed: boolean;
}

/**
 * A power source that reports scripted watts, for tests and demos of
 * anything built on `openPowerSampler` when no meter is attached. Readings
 * are instantaneous (`power`), taken from the script at the time of the read.
 *
 * @param options - the script; see {@link ScriptedPowerSourceOptions}
 * @returns the source; pass it as `openPowerSampler({ source })`
 * @throws TypeError when `watts` is neither a number nor a function
 * @example
 * ```ts
 * const source = createScriptedPowerSource({ watts: (ms) => 2 + ms / 1000 }); // a 1 W/s ramp from 2 W
 * const sampler = await openPowerSampler({ source, hz: 50 });
 * ```
 */
export function createScriptedPowerSource(options: ScriptedPowerSourceOptions): ScriptedPowerSource {
  const script = options.watts;
  if (typeof script !== 'number' && typeof script !== 'function') throw new TypeError('watts must be a number or a function of elapsed ms');
  const t0 = performance.now();
  let reads = 0;
  let closed = false;
  return {
    id: options.id ?? 'scripted',
    kind: options.kind ?? 'measured',
    label: options.label ?? 'scripted power source (tinyedge/testing)',
    boundary: options.boundary ?? 'board-input',
    get reads() {
      return reads;
    },
    get closed() {
      return closed;
    },
    async read(): Promise<PowerReading> {
      reads++;
      const elapsed = performance.now() - t0;
      if (options.failWhen?.(elapsed) === true) {
        throw new TinyEdgeError('E_SENSOR', 'scripted sensor failure', 'This is the scripted source\'s failWhen at work.');
      }
      return { type: 'power', watts: typeof script === 'number' ? script : script(elapsed) };
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}
