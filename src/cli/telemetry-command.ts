import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { TinyEdgeError } from '../errors.js';
import { createCpuUtilisation } from '../hal/cpu-utilisation.js';
import { detectBoard } from '../hal/detect.js';
import { readThermalZones } from '../hal/thermal.js';
import { openPowerSampler } from '../power/open-power-sampler.js';
import type { PowerSourceName } from '../power/open-power-source.js';
import { boardSummaryFrom } from '../telemetry/build-payloads.js';
import { connectTelemetry, defaultQueueDir, redact } from '../telemetry/telemetry-link.js';
import type { TelemetryLink, TelemetryOptions, TelemetryStats } from '../telemetry/telemetry-link.js';
import { runAction } from './run-action.js';

interface TelemetryCliOptions {
  url: string;
  device: string;
  root: string;
  source: string;
  hz: string;
  duration?: string;
  queue?: string;
  haDiscovery?: boolean;
  username?: string;
  password?: string;
  ca?: string;
  cert?: string;
  key?: string;
  mqttVersion?: string;
  keepalive: string;
  boardEvery: string;
  json?: boolean;
}

/** What `tinyedge telemetry --json` prints when done. */
export interface TelemetryJson {
  /** The device id. */
  device: string;
  /** The broker URL, without credentials. */
  url: string;
  /** The queue directory. */
  queueDir: string;
  /** The board profile id. */
  board: string;
  /** The power source id, e.g. `hwmon:ina219` or `estimate`. */
  source: string;
  /** `measured` or `estimated`. */
  kind: 'measured' | 'estimated';
  /** Power samples taken. */
  samples: number;
  /** The link's counters at the end (`queued`: left on disk for the next run). */
  stats: TelemetryStats;
}

/**
 * Creates `tinyedge telemetry --url mqtt://host:port --device ID [--root DIR]
 * [--source ...] [--hz N] [--duration SECONDS] [--queue DIR] [--ha-discovery]
 * [--json]`: detects the board, samples power and publishes it with a board
 * summary (SoC temperature, CPU utilisation) through the durable queue,
 * until the duration ends or SIGINT/SIGTERM. Credentials: `--username` and
 * `--password` (or the `TINYEDGE_MQTT_PASSWORD` environment variable, which
 * keeps the password out of `ps`); TLS: `--ca`, `--cert`, `--key` files with
 * an `mqtts://` URL. A refused login fails with `E_MQTT_AUTH`; an
 * unreachable broker does not stop it (messages wait in the queue).
 *
 * @returns the subcommand, for `program.addCommand`
 * @example
 * ```ts
 * program.addCommand(telemetryCommand());
 * // $ tinyedge telemetry --url mqtt://broker.local --device fridge-01 --ha-discovery
 * ```
 */
export function telemetryCommand(): Command {
  return new Command('telemetry')
    .description('publish power and board telemetry over MQTT through a durable on-disk queue, until the duration ends or Ctrl-C')
    .requiredOption('--url <url>', 'broker: mqtt://host[:port] or mqtts://host[:port]')
    .requiredOption('--device <id>', 'device id (letters, digits, _ and -): topics are tinyedge/<id>/...')
    .option('--root <dir>', 'filesystem root holding sys/ and proc/ (a fixture tree or a mounted image)', '/')
    .option('--source <source>', 'power source: auto, hwmon[:chip], rapl, pmic, battery[:name], serial:<path> or estimate', 'auto')
    .option('--hz <n>', 'power samples per second', '10')
    .option('--duration <seconds>', 'stop after this long (default: until Ctrl-C)')
    .option('--queue <dir>', 'queue directory (default: $XDG_STATE_HOME/tinyedge/telemetry/<device>)')
    .option('--ha-discovery', 'publish Home Assistant discovery configs')
    .option('--username <name>', 'broker username')
    .option('--password <password>', 'broker password (prefer the TINYEDGE_MQTT_PASSWORD environment variable)')
    .option('--ca <file>', 'CA certificate (PEM) for mqtts://')
    .option('--cert <file>', 'client certificate (PEM) for mqtts://')
    .option('--key <file>', 'client private key (PEM) for mqtts://')
    .option('--mqtt-version <v>', '5 or 3.1.1 (default: 5, falling back to 3.1.1 when the broker refuses 5)')
    .option('--keepalive <seconds>', 'MQTT keepalive', '30')
    .option('--board-every <seconds>', 'publish the board summary (SoC temperature, CPU load) this often', '30')
    .option('--json', 'print one JSON object when done instead of live lines')
    .action(runAction(async (options: TelemetryCliOptions) => {
      const json = options.json === true;
      const hz = number('--hz', options.hz, (v) => v > 0 && v <= 1000, 'a number in (0, 1000]');
      const durationMs = options.duration === undefined ? null : number('--duration', options.duration, (v) => v > 0, 'a number of seconds > 0') * 1000;
      const keepalive = number('--keepalive', options.keepalive, (v) => Number.isInteger(v) && v >= 0 && v <= 65535, 'an integer from 0 to 65535');
      const boardEveryMs = number('--board-every', options.boardEvery, (v) => v > 0, 'a number of seconds > 0') * 1000;
      const linkOptions = await linkOptionsFrom(options, keepalive);

      const detected = await detectBoard({ root: options.root });
      const sampler = await openPowerSampler({ board: detected.profile, root: options.root, source: options.source as PowerSourceName, hz });
      let link: TelemetryLink | undefined;
      try {
        link = await connectTelemetry({
          ...linkOptions,
          ...(options.haDiscovery === true ? { homeAssistant: { manufacturer: detected.profile.vendor, model: detected.profile.name } } : {}),
        });
        const say = (line: string): void => void process.stderr.write(`${line}\n`);
        if (!json) {
          process.stdout.write(`publishing tinyedge/${link.deviceId}/{status,power,inference,board} to ${redact(options.url)}\n`
            + `board: ${detected.profile.id}; power: ${sampler.source.id} (${sampler.source.kind})${sampler.source.kind === 'estimated' ? ', an ESTIMATE' : ''} at ${hz} Hz\n`
            + `queue: ${linkOptions.queueDir}\n`);
        }
        link.on('connect', ({ session }) => json || say(`connected (session ${session}, MQTT ${link!.stats().protocolVersion === 5 ? '5' : '3.1.1'})`));
        link.on('offline', () => say('connection lost; messages wait in the queue'));
        link.on('reconnecting', ({ delayMs }) => json || say(`retrying in ${(delayMs / 1000).toFixed(1)} s`));
        link.on('dropped', ({ count, total }) => say(`queue full: dropped ${count} oldest messages (${total} in all)`));
        link.on('error', ({ error }) => {
          if (error.code !== 'E_MQTT_AUTH' || link!.stats().connects > 0) say(`warning ${error.code}: ${error.message}`);
        });
        // A refused login will not fix itself: fail now rather than queue forever. An unreachable
        // broker is different: messages wait in the queue until it is back.
        await link.waitForConnection(Math.min(10_000, durationMs ?? 10_000)).catch((err: unknown) => {
          if (err instanceof TinyEdgeError && err.code === 'E_MQTT_AUTH') throw err;
        });

        link.attach({ sampler });
        const cpu = createCpuUtilisation({ root: options.root });
        await cpu.sample().catch(() => undefined);
        const publishBoard = async (): Promise<void> => {
          const zones = await readThermalZones({ root: options.root, board: detected.profile }).catch(() => []);
          const soc = zones.find((z) => z.label === 'soc') ?? zones[0];
          const utilisation = await cpu.sample().catch(() => undefined);
          await link!.publishBoard(boardSummaryFrom(detected, {
            ...(soc === undefined ? {} : { socTempC: soc.celsius }),
            ...(utilisation === undefined ? {} : { cpuUtilisation: utilisation }),
            powerKind: sampler.source.kind,
            powerSource: sampler.source.id,
          }));
        };
        await publishBoard();
        const boardTimer = setInterval(() => void publishBoard().catch((err: unknown) => say(`warning: ${(err as Error).message}`)), boardEveryMs);
        const statusTimer = json ? undefined : setInterval(() => {
          const s = link!.stats();
          process.stdout.write(`seq ${s.lastSeq}: ${s.acked} delivered, ${s.queued} queued, ${s.dropped} dropped${s.connected ? '' : ' (offline)'}\n`);
        }, 5000);
        try {
          await untilStopped(durationMs);
        } finally {
          clearInterval(boardTimer);
          clearInterval(statusTimer);
        }
        await link.close({ drainMs: 3000 });
        const stats = link.stats();
        await sampler.close();
        if (json) {
          const body: TelemetryJson = {
            device: link.deviceId, url: redact(options.url), queueDir: linkOptions.queueDir, board: detected.profile.id,
            source: sampler.source.id, kind: sampler.source.kind, samples: sampler.samples, stats,
          };
          process.stdout.write(`${JSON.stringify(body)}\n`);
        } else {
          process.stdout.write(`done: ${stats.lastSeq} messages in all, ${stats.acked} delivered this run, ${stats.queued} left in the queue, ${stats.dropped} dropped\n`);
        }
      } finally {
        await link?.close({ drainMs: 0 });
        await sampler.close();
      }
    }));
}

function number(flag: string, text: string, ok: (v: number) => boolean, what: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || !ok(v)) throw new RangeError(`${flag} must be ${what}, found ${JSON.stringify(text)}`);
  return v;
}

async function linkOptionsFrom(o: TelemetryCliOptions, keepaliveSeconds: number): Promise<TelemetryOptions & { queueDir: string }> {
  let protocolVersion: 4 | 5 | undefined;
  if (o.mqttVersion !== undefined) {
    if (o.mqttVersion === '5') protocolVersion = 5;
    else if (o.mqttVersion === '3.1.1' || o.mqttVersion === '4') protocolVersion = 4;
    else throw new RangeError(`--mqtt-version must be 5 or 3.1.1, found ${JSON.stringify(o.mqttVersion)}`);
  }
  const password = o.password ?? process.env['TINYEDGE_MQTT_PASSWORD'];
  const pem = async (flag: string, path: string | undefined): Promise<Buffer | undefined> => {
    if (path === undefined) return undefined;
    try {
      return await readFile(path);
    } catch (err) {
      throw new TinyEdgeError((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_IO',
        `Cannot read ${flag} ${path}: ${(err as Error).message}.`, `Pass the path of a PEM file with ${flag}.`, { cause: err });
    }
  };
  const [ca, cert, key] = [await pem('--ca', o.ca), await pem('--cert', o.cert), await pem('--key', o.key)];
  const tls = ca === undefined && cert === undefined && key === undefined ? undefined
    : { ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }) };
  return {
    url: o.url,
    deviceId: o.device,
    queueDir: o.queue ?? defaultQueueDir(o.device),
    keepaliveSeconds,
    ...(protocolVersion === undefined ? {} : { protocolVersion }),
    ...(o.username === undefined ? {} : { username: o.username }),
    ...(password === undefined ? {} : { password }),
    ...(tls === undefined ? {} : { tls }),
  };
}

async function untilStopped(durationMs: number | null): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = durationMs === null ? null : setTimeout(done, durationMs);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    function done(): void {
      if (timer !== null) clearTimeout(timer);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    }
  });
}
