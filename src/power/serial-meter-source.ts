import { performance } from 'node:perf_hooks';
import { TinyEdgeError } from '../errors.js';
import { openSerialLink } from '../hal/serial/serial-link.js';
import type { SerialLink } from '../hal/serial/serial-link.js';
import type { PowerReading, PowerSource } from './power-source.js';
import { parseMeterLine, parseUmFrame, UM_FRAME_BYTES, UM_REQUEST } from './serial-meter-protocol.js';
import type { SerialMeterProtocol } from './serial-meter-protocol.js';

/** Options of {@link openSerialMeterSource}. */
export interface SerialMeterOptions {
  /** The serial device, e.g. `/dev/ttyACM0` (microcontroller) or `/dev/rfcomm0` (UM meter over Bluetooth). */
  path: string;
  /** `text` (tinyedge's line protocol, default) or the RDTech `um24c` / `um25c` / `um34c` binary frame. */
  protocol?: SerialMeterProtocol;
  /** Baud rate. Default 115200 for `text`, 9600 for the UM meters. */
  baudRate?: number;
  /** How often a UM meter is asked for a frame, ms. Default 500 (they answer at a few Hz at best). */
  pollMs?: number;
  /** A reading older than this is not served (the meter went quiet), ms. Default 3000. */
  staleMs?: number;
  /** Longest wait between attempts to reopen the port after the meter went away, ms. Default 1000. */
  reconnectMs?: number;
}

/**
 * Open a power meter on a serial port. The meter talks at its own pace; the
 * source keeps its latest reading and serves it while fresh, so a sampler
 * running faster than the meter holds the last value. When the meter is
 * unplugged, reads fail with `E_SENSOR` (the sampler counts them) while the
 * serial link reopens the port (see `SerialLink`); readings resume once it
 * is back.
 *
 * Protocols: `text`, tinyedge's line protocol (see `parseMeterLine`), and
 * the 130-byte frame of the RDTech UM24C/UM25C/UM34C, requested with `0xF0`
 * every `pollMs` (see `parseUmFrame`).
 *
 * @param options - see {@link SerialMeterOptions}
 * @returns the source, id `serial:<path>`, boundary `board-input`
 * @throws TypeError / RangeError for bad options
 * @throws TinyEdgeError `E_NOT_FOUND` when the device does not exist, `E_PERMISSION` when it cannot
 *   be opened (not in the `dialout` group), `E_IO` for other failures to open
 * @example
 * ```ts
 * const meter = await openSerialMeterSource({ path: '/dev/rfcomm0', protocol: 'um25c' });
 * ```
 */
export async function openSerialMeterSource(options: SerialMeterOptions): Promise<PowerSource> {
  if (typeof options?.path !== 'string' || options.path === '') throw new TypeError('path must name a serial device');
  const protocol = options.protocol ?? 'text';
  if (!['text', 'um24c', 'um25c', 'um34c'].includes(protocol)) {
    throw new RangeError(`protocol must be text, um24c, um25c or um34c, found ${JSON.stringify(protocol)}`);
  }
  const baudRate = positive(options.baudRate, protocol === 'text' ? 115_200 : 9600, 'baudRate');
  const pollMs = positive(options.pollMs, 500, 'pollMs');
  const staleMs = positive(options.staleMs, 3000, 'staleMs');
  const reconnectMs = positive(options.reconnectMs, 1000, 'reconnectMs');
  const reconnect = { initialDelayMs: Math.min(100, reconnectMs), factor: 2, maxDelayMs: reconnectMs };

  let latest: { watts: number; at: number } | null = null;
  let lastFailure = '';
  let poll: NodeJS.Timeout | null = null;
  let link: SerialLink<'lines'> | SerialLink<'raw'>;

  if (protocol === 'text') {
    const lines = await openSerialLink({ path: options.path, baudRate, framing: 'lines', reconnect });
    lines.on('data', (line) => {
      const watts = parseMeterLine(line);
      if (watts !== null) latest = { watts, at: performance.now() };
    });
    link = lines;
  } else {
    const raw = await openSerialLink({ path: options.path, baudRate, framing: 'raw', reconnect });
    let frame: Buffer[] = [];
    let bytes = 0;
    raw.on('data', (chunk) => {
      frame.push(chunk);
      bytes += chunk.length;
      if (bytes < UM_FRAME_BYTES) return;
      const whole = Buffer.concat(frame).subarray(0, UM_FRAME_BYTES);
      frame = [];
      bytes = 0;
      latest = { watts: parseUmFrame(whole, protocol).watts, at: performance.now() };
    });
    // Ask for a frame every pollMs; bytes left over from an unanswered request are dropped.
    const request = (): void => {
      if (!raw.isOpen) return;
      frame = [];
      bytes = 0;
      raw.write(Uint8Array.of(UM_REQUEST)).catch((err: unknown) => {
        lastFailure = err instanceof Error ? err.message : String(err);
      });
    };
    poll = setInterval(request, pollMs);
    raw.on('open', request);
    request();
    link = raw;
  }
  link.on('close', (e) => {
    latest = null;
    if (e.error !== undefined) lastFailure = e.error.message;
  });
  link.on('error', (e) => {
    lastFailure = e.message;
  });

  const what = protocol === 'text' ? 'line protocol' : `${protocol.toUpperCase()} USB meter`;
  return {
    id: `serial:${options.path}`, kind: 'measured', boundary: 'board-input',
    label: `serial power meter on ${options.path} (${what}), measured where it sits, usually the board's supply`,
    read: async (): Promise<PowerReading> => {
      if (!link.isOpen) {
        throw new TinyEdgeError('E_SENSOR', `The power meter on ${options.path} is disconnected${lastFailure ? ` (${lastFailure})` : ''}; reconnecting.`,
          'Plug the meter back in (or re-bind /dev/rfcomm*); sampling resumes by itself.');
      }
      const reading = latest;
      if (reading === null) {
        throw new TinyEdgeError('E_SENSOR', `No reading from the power meter on ${options.path} yet.`,
          `Check the protocol (${protocol}) and baud rate (${baudRate}); the meter's first reading may still be on its way.`);
      }
      const age = performance.now() - reading.at;
      if (age > staleMs) {
        throw new TinyEdgeError('E_SENSOR', `No reading from the power meter on ${options.path} for ${Math.round(age)} ms.`,
          'Check that the meter is still sending; raise staleMs if it reports less often.');
      }
      return { type: 'power', watts: reading.watts };
    },
    close: async () => {
      if (poll !== null) clearInterval(poll);
      poll = null;
      await link.close();
    },
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a number > 0, found ${String(value)}`);
  return value;
}
