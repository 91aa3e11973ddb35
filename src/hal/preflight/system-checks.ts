// The checks that read the machine under a root directory: memory for a
// model, serial and sensor permissions, RAPL, and the MQTT broker. Internal
// to runPreflight; permissions go through an injectable access checker.
import { constants } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isTinyEdgeError } from '../../errors.js';
import type { BoardProfile } from '../board-profile.js';
import { readMemory } from '../memory.js';
import { listSerialPorts } from '../serial/list-serial-ports.js';
import { checkMqttBroker } from './check-mqtt-broker.js';
import type { AccessChecker, PreflightFinding } from './preflight-types.js';
import type { CpuArchitecture } from './read-cpu-architecture.js';

const MODEL_BASELINE_MB = 64;

/** Available memory, and against a model's estimated needs when one is given. */
export async function checkMemory(root: string, model: string | undefined, factorOption: number | undefined): Promise<PreflightFinding> {
  const id = 'memory';
  if (factorOption !== undefined && !(factorOption > 0)) throw new RangeError(`memoryFactor must be positive, found ${String(factorOption)}`);
  let availableMB: number;
  let totalMB: number;
  try {
    ({ availableMB, totalMB } = await readMemory({ root }));
  } catch (err) {
    return { id, status: 'warn', message: `cannot read memory figures: ${(err as Error).message}`, hint: isTinyEdgeError(err) ? err.hint : '' };
  }
  const have = `${Math.round(availableMB)} MB available of ${Math.round(totalMB)} MB`;
  if (model === undefined) {
    if (availableMB < 128) return { id, status: 'warn', message: `${have}: very little for a model`, hint: 'Close other programs, or add swap (zram) before loading a model.' };
    return { id, status: 'ok', message: have, hint: 'Pass --model <bundle> to check a model\'s needs.' };
  }
  const size = await bundleSize(model);
  if ('error' in size) return { id, status: 'fail', message: size.error, hint: 'Pass a bundle directory (manifest.json + model.tflite) or a .tflite file.' };
  const factor = factorOption ?? (size.quantization === 'int8' ? 5 : 3);
  const needMB = Math.round(MODEL_BASELINE_MB + (size.bytes / 2 ** 20) * factor);
  const what = `${model} needs about ${needMB} MB (${(size.bytes / 2 ** 20).toFixed(1)} MB of files x ${factor} + ${MODEL_BASELINE_MB} MB); ${have}`;
  if (needMB > availableMB) {
    return { id, status: 'fail', message: what, hint: 'Use a smaller or int8 bundle, close other programs, or add swap (zram); loading would likely be killed by the OOM killer.' };
  }
  if (needMB > availableMB * 0.75) {
    return { id, status: 'warn', message: what, hint: 'It fits, barely: other programs may push the system into swap. Prefer an int8 bundle.' };
  }
  return { id, status: 'ok', message: what, hint: '' };
}

async function bundleSize(path: string): Promise<{ bytes: number; quantization: string | null } | { error: string }> {
  let s;
  try {
    s = await stat(path);
  } catch (err) {
    return { error: `no model at ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (s.isFile()) return { bytes: s.size, quantization: null };
  if (!s.isDirectory()) return { error: `${path} is neither a bundle directory nor a file` };
  let quantization: string | null = null;
  try {
    const manifest = JSON.parse(await readFile(join(path, 'manifest.json'), 'utf8')) as { quantization?: unknown };
    if (typeof manifest.quantization === 'string') quantization = manifest.quantization;
  } catch {
    // not a bundle we can read: size the files anyway
  }
  let bytes = 0;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.isFile()) bytes += (await stat(join(path, entry.name))).size;
  }
  if (bytes === 0) return { error: `${path} holds no files` };
  return { bytes, quantization };
}

/** Serial ports (listed, plus the board's) readable and writable by this user. */
export async function checkSerial(root: string, check: AccessChecker, profile: BoardProfile | undefined): Promise<PreflightFinding> {
  const id = 'serial.permissions';
  const listing = await listSerialPorts({ root });
  const paths = new Set(listing.ports.map((p) => p.path));
  const aliases = new Set(listing.ports.flatMap((p) => p.aliases));
  for (const s of profile?.serial ?? []) {
    if (paths.has(s.path) || aliases.has(s.path)) continue; // e.g. /dev/serial0 -> ttyAMA0, already listed
    try {
      await stat(join(root, s.path));
      paths.add(s.path);
    } catch {
      // the profile names it, the machine does not have it
    }
  }
  if (paths.size === 0) return { id, status: 'ok', message: `no serial ports (listed via ${listing.method}: ${listing.reason})`, hint: '' };
  const denied: string[] = [];
  for (const p of [...paths].sort()) {
    try {
      await check(join(root, p), constants.R_OK | constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') denied.push(p);
    }
  }
  const all = [...paths].sort().join(', ');
  if (denied.length === 0) return { id, status: 'ok', message: `${paths.size} serial port(s), readable and writable: ${all} (listed via ${listing.method})`, hint: '' };
  return {
    id, status: 'warn', message: `not readable and writable by this user: ${denied.join(', ')}`,
    hint: 'Add your user to the group that owns them (usually dialout: `sudo usermod -aG dialout $USER`, then log in again), or add a udev rule.',
  };
}

/** Sensor files the HAL reads: thermal zone temperatures, hwmon inputs, power-supply readings. */
async function sensorFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const list = async (dir: string): Promise<string[]> => readdir(join(root, dir)).catch(() => []);
  for (const zone of await list('sys/class/thermal')) {
    if (zone.startsWith('thermal_zone')) files.push(`/sys/class/thermal/${zone}/temp`);
  }
  for (const hwmon of await list('sys/class/hwmon')) {
    for (const f of await list(`sys/class/hwmon/${hwmon}`)) {
      if (/^(power|curr|in|temp|energy)\d+_input$/.test(f)) files.push(`/sys/class/hwmon/${hwmon}/${f}`);
    }
  }
  for (const supply of await list('sys/class/power_supply')) {
    for (const f of ['power_now', 'current_now', 'voltage_now']) files.push(`/sys/class/power_supply/${supply}/${f}`);
  }
  const present: string[] = [];
  for (const f of files) {
    try {
      await stat(join(root, f));
      present.push(f);
    } catch {
      // absent: nothing to check
    }
  }
  return present;
}

/** Thermal, hwmon and power-supply files readable by this user. */
export async function checkSensors(root: string, check: AccessChecker): Promise<PreflightFinding> {
  const id = 'sensors.permissions';
  const files = await sensorFiles(root);
  if (files.length === 0) return { id, status: 'ok', message: 'no thermal, hwmon or power-supply sensors found', hint: 'Power falls back to the board profile\'s estimate.' };
  const denied: string[] = [];
  for (const f of files) {
    try {
      await check(join(root, f), constants.R_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') denied.push(f);
    }
  }
  if (denied.length === 0) return { id, status: 'ok', message: `${files.length} sensor file(s), all readable`, hint: '' };
  const shown = denied.slice(0, 4).join(', ') + (denied.length > 4 ? `, and ${denied.length - 4} more` : '');
  return {
    id, status: 'warn', message: `${denied.length} of ${files.length} sensor files are not readable by this user: ${shown}`,
    hint: 'Run as root, or make them readable with a udev rule (e.g. for hwmon: ACTION=="add", SUBSYSTEM=="hwmon", RUN+="/bin/chmod a+r /sys%p/*_input").',
  };
}

/** RAPL zones present and readable (x86 only; null elsewhere when absent). */
export async function checkRapl(root: string, check: AccessChecker, cpu: CpuArchitecture): Promise<PreflightFinding | null> {
  const id = 'rapl';
  const zones = (await readdir(join(root, 'sys/class/powercap')).catch(() => [] as string[])).filter((z) => /^intel-rapl(-mmio)?:\d+$/.test(z));
  if (zones.length === 0) {
    if (cpu.cpuIsa !== 'x86_64') return null; // RAPL is an x86 feature; ARM boards have other sources
    return {
      id, status: 'warn', message: 'no RAPL energy counters (/sys/class/powercap/intel-rapl:*)',
      hint: 'In a VM this is expected. On bare metal load the driver (`sudo modprobe intel_rapl_msr`); until then power is estimated from the board profile.',
    };
  }
  const denied: string[] = [];
  let readable = 0;
  for (const zone of zones.sort()) {
    const file = `/sys/class/powercap/${zone}/energy_uj`;
    try {
      await check(join(root, file), constants.R_OK);
      readable++;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') denied.push(file);
    }
  }
  if (denied.length === 0) return { id, status: 'ok', message: `${readable} RAPL zone(s) readable: ${zones.join(', ')}`, hint: '' };
  return {
    id, status: 'warn', message: `RAPL energy counters are not readable by this user (EACCES): ${denied.join(', ')}`,
    hint: 'Since Linux 5.10 energy_uj is root-only (CVE-2020-8694). Run as root, or grant read access: '
      + '`sudo chmod a+r /sys/class/powercap/intel-rapl:*/energy_uj` (until reboot), or persistently with a udev rule '
      + '(ACTION=="add", SUBSYSTEM=="powercap", RUN+="/bin/chmod a+r /sys%p/energy_uj").',
  };
}

/** The MQTT broker answers a connect. */
export async function checkBroker(url: string, timeoutMs: number): Promise<PreflightFinding> {
  const id = 'mqtt.broker';
  const result = await checkMqttBroker(url, timeoutMs);
  if (result.ok) return { id, status: 'ok', message: `${result.url} answered (CONNACK after ${result.elapsedMs} ms)`, hint: '' };
  const hints: Record<Exclude<typeof result.outcome, 'connected'>, string> = {
    refused: 'Start the broker (e.g. `sudo systemctl start mosquitto`) or fix the host and port in the URL.',
    'not-found': 'Check the host name in the URL, or use the broker\'s IP address.',
    timeout: 'Check that the host is reachable and that a firewall does not drop the port (1883 for mqtt://, 8883 for mqtts://).',
    rejected: 'Check the user name and password in the URL (mqtt://user:pass@host) and the broker\'s ACL.',
    error: 'Check the URL, the protocol (mqtt:// or mqtts://) and the broker\'s log.',
  };
  return { id, status: 'fail', message: result.detail, hint: hints[result.outcome as Exclude<typeof result.outcome, 'connected'>] };
}
