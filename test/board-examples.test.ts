// examples/boards/<board-id>/: what `tinyedge flash` ships for the smart-fridge
// app on each board. Every config.json validates against the closed schema
// and names a shipped board; every systemd unit parses, starts the release's
// app.js, restarts on failure, runs as a dedicated user with hardening and
// can write exactly where its config keeps state; each board README agrees
// with its config.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { SHIPPED_BOARD_IDS } from '../src/hal/board-ids.js';
import { getBoard } from '../src/hal/boards.js';
import { openSchemaObjects } from './support/open-schema-objects.js';

const EXAMPLES = fileURLToPath(new URL('../examples/boards/', import.meta.url));
const schema = JSON.parse(readFileSync(join(EXAMPLES, 'config.schema.json'), 'utf8')) as Record<string, unknown>;
const boardDirs = readdirSync(EXAMPLES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
const REQUIRED = ['raspberry-pi-zero-2-w', 'raspberry-pi-4-b', 'raspberry-pi-5', 'generic-linux-x64', 'simulated'];
/** Boards without a system service: the simulated board is for `npm start` and the tests. */
const NO_SERVICE = new Set(['simulated']);
const UNIT = 'tinyedge-smart-fridge.service';

interface BoardConfig {
  board: string;
  power: { source: string; hz?: number };
  controller: { path: string; baudRate: number } | null;
  threads?: number;
  telemetry: { url: string; deviceId: string; queueDir?: string; haDiscovery?: boolean } | null;
  stateFile: string;
}

function readConfig(id: string): BoardConfig {
  return JSON.parse(readFileSync(join(EXAMPLES, id, 'config.json'), 'utf8')) as BoardConfig;
}

/** A systemd unit file: section -> key -> values (a key may repeat). Throws on a line that is not one of the three kinds. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const section = /^\[([A-Za-z]+)\]$/.exec(line);
    if (section) {
      if (sections.has(section[1]!)) throw new Error(`line ${i + 1}: section [${section[1]}] twice`);
      current = new Map();
      sections.set(section[1]!, current);
      return;
    }
    const pair = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!pair || current === undefined) throw new Error(`line ${i + 1} is neither a section, a key=value nor a comment: ${raw}`);
    const values = current.get(pair[1]!) ?? [];
    values.push(pair[2]!.trim());
    current.set(pair[1]!, values);
  });
  return sections;
}

function one(unit: Map<string, Map<string, string[]>>, section: string, key: string): string | undefined {
  const values = unit.get(section)?.get(key);
  return values === undefined ? undefined : values[values.length - 1];
}

/** Whether `path` is `dir` or inside it (both absolute, posix). */
function inside(path: string, dir: string): boolean {
  const rel = posix.relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !posix.isAbsolute(rel));
}

describe('examples/boards/config.schema.json', () => {
  const validate = new Ajv({ strict: true, allErrors: true }).compile(schema);

  it('is closed: every object in the schema forbids unknown keys', () => {
    expect(openSchemaObjects(schema)).toEqual([]);
  });

  it('refuses a misspelt key, an unknown power source, a device id that is not one topic level and a relative serial device', () => {
    const good = readConfig('raspberry-pi-4-b');
    expect(validate(good)).toBe(true);
    const bad: unknown[] = [
      { ...good, statefile: '/x' },
      { ...good, power: { source: 'wattmeter' } },
      { ...good, power: { source: 'auto', hz: 0 } },
      { ...good, telemetry: { ...good.telemetry, deviceId: 'fridge/01' } },
      { ...good, telemetry: { ...good.telemetry, url: 'http://broker.local' } },
      { ...good, controller: { path: 'serial0', baudRate: 115200 } },
      { ...good, controller: { path: '/dev/serial0', baudRate: 115201 } },
      { ...good, threads: 0 },
    ];
    for (const config of bad) expect(validate(config), JSON.stringify(config)).toBe(false);
    expect(validate({ ...good, controller: null, telemetry: null, power: { source: 'serial:/dev/ttyACM0,protocol=text' } })).toBe(true);
  });
});

describe('examples/boards/<board-id>/config.json', () => {
  const validate = new Ajv({ strict: true, allErrors: true }).compile(schema);

  it('covers the boards the issue and the demo need', () => {
    for (const id of REQUIRED) expect(boardDirs).toContain(id);
  });

  it.each(boardDirs)('%s: valid, names itself, and names a shipped board', async (id) => {
    const config = readConfig(id);
    const ok = validate(config);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(config.board).toBe(id);
    expect(SHIPPED_BOARD_IDS as readonly string[]).toContain(config.board);
    const profile = await getBoard(config.board, { dir: [] });
    expect(config.threads ?? 1).toBeLessThanOrEqual(profile.cpu.cores);
  });
});

describe(`examples/boards/<board-id>/${UNIT}`, () => {
  const serviceBoards = boardDirs.filter((id) => !NO_SERVICE.has(id));

  it('every board but the simulated one ships exactly one unit, and it is this one', () => {
    for (const id of boardDirs) {
      const units = readdirSync(join(EXAMPLES, id)).filter((f) => f.endsWith('.service'));
      expect(units, id).toEqual(NO_SERVICE.has(id) ? [] : [UNIT]);
    }
  });

  it.each(serviceBoards)('%s: starts the release, restarts on failure, runs hardened as its own user', (id) => {
    const unit = parseUnit(readFileSync(join(EXAMPLES, id, UNIT), 'utf8'));
    const config = readConfig(id);
    expect([...unit.keys()]).toEqual(['Unit', 'Service', 'Install']);
    expect(one(unit, 'Unit', 'Description')).toBeTruthy();
    expect(one(unit, 'Install', 'WantedBy')).toBe('multi-user.target');

    // ExecStart runs node on the live release's bundle, with the board config flash puts beside it.
    const exec = one(unit, 'Service', 'ExecStart') ?? '';
    const [node, app, ...args] = exec.split(/\s+/);
    expect(node).toMatch(/^\/\S*\/node$/);
    expect(app).toMatch(/^\/\S+\/current\/app\.js$/);
    const release = dirname(app!);
    expect(one(unit, 'Service', 'WorkingDirectory')).toBe(release);
    expect(args).toEqual(['--config', `${release}/board/config.json`]);

    expect(one(unit, 'Service', 'Restart')).toBe('on-failure');
    const user = one(unit, 'Service', 'User');
    expect(user).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(['root', 'nobody', 'pi']).not.toContain(user);
    expect(one(unit, 'Service', 'DynamicUser') ?? 'no').toBe('no');
    if (config.controller !== null) expect((one(unit, 'Service', 'SupplementaryGroups') ?? '').split(/\s+/)).toContain('dialout');

    expect(one(unit, 'Service', 'NoNewPrivileges')).toBe('yes');
    expect(one(unit, 'Service', 'ProtectSystem')).toBe('strict');
    expect(one(unit, 'Service', 'ProtectHome')).toBe('yes');
    expect(one(unit, 'Service', 'PrivateTmp')).toBe('yes');
    expect(one(unit, 'Service', 'CapabilityBoundingSet')).toBe('');
    // Options that would break this app: V8 needs writable code pages; the serial device must stay visible.
    expect(one(unit, 'Service', 'MemoryDenyWriteExecute') ?? 'no').toBe('no');
    expect(one(unit, 'Service', 'PrivateDevices') ?? 'no').toBe('no');
    expect(one(unit, 'Service', 'ProtectClock') ?? 'no').toBe('no');

    // With ProtectSystem=strict the app can write only where ReadWritePaths= says: the state file's and the queue's directories.
    const writable = (unit.get('Service')?.get('ReadWritePaths') ?? []).flatMap((v) => v.split(/\s+/)).map((p) => p.replace(/^-/, ''));
    expect(writable.length).toBeGreaterThan(0);
    const mustWrite = [dirname(config.stateFile), ...(config.telemetry?.queueDir === undefined ? [] : [config.telemetry.queueDir])];
    for (const path of mustWrite) {
      expect(isAbsolute(path), `${path} must be absolute on a board with a service`).toBe(true);
      expect(writable.some((dir) => inside(path, dir)), `${path} is not under ReadWritePaths=${writable.join(' ')}`).toBe(true);
    }
    const state = one(unit, 'Service', 'StateDirectory');
    if (state !== undefined) expect(writable).toContain(`/var/lib/${state}`);
  });

  const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
  it.skipIf(analyze === undefined).each(serviceBoards)('%s: systemd-analyze verify finds nothing to complain about', async (id) => {
    const { stdout, stderr } = await promisify(execFile)(analyze!, ['verify', `./${UNIT}`], { cwd: join(EXAMPLES, id) });
    // verify exits 0 even for unknown keys and unparsable values; it says so on stderr.
    const complaints = `${stdout}${stderr}`.split('\n').filter((l) => l.includes(UNIT) && !/Command \/usr\/bin\/node is not executable|No such file/.test(l));
    expect(complaints).toEqual([]);
  });
});

describe('examples/boards/<board-id>/README.md', () => {
  it.each(REQUIRED.filter((id) => id.startsWith('raspberry-pi-')))('%s: exists and agrees with its config', (id) => {
    const readme = readFileSync(join(EXAMPLES, id, 'README.md'), 'utf8');
    const config = readConfig(id);
    expect(readme).toContain(`tinyedge flash examples/smart-fridge --board ${id}`);
    if (config.controller !== null) expect(readme).toContain(config.controller.path);
    expect(readme).toContain(config.stateFile);
    // Expected speed and power are estimates until measured on the board, and say so.
    expect(readme).toMatch(/estimate/i);
  });

  it('examples/boards/README.md documents every key of the schema', () => {
    const readme = readFileSync(join(EXAMPLES, 'README.md'), 'utf8');
    const keys: string[] = [];
    const walk = (node: Record<string, unknown>, prefix: string): void => {
      const props = (node['properties'] ?? {}) as Record<string, Record<string, unknown>>;
      for (const [k, v] of Object.entries(props)) {
        if (k === '$schema') continue;
        keys.push(`${prefix}${k}`);
        walk(v, `${prefix}${k}.`);
        for (const alt of (v['oneOf'] ?? []) as Record<string, unknown>[]) walk(alt, `${prefix}${k}.`);
      }
    };
    walk(schema, '');
    expect(keys.length).toBeGreaterThan(10);
    for (const key of keys) expect(readme, key).toContain(`\`${key}\``);
  });
});
