import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { listSerialPorts } from '../src/hal/serial/list-serial-ports.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/preflight/serial-ports', import.meta.url));
const fakeUdevadmDir = fileURLToPath(new URL('./fixtures/preflight/fake-udevadm', import.meta.url));

describe('listSerialPorts from sysfs (fixture tree)', () => {
  it('finds UARTs and USB adapters, skips virtual ttys and empty 8250 slots, and says it used sysfs', async () => {
    const listing = await listSerialPorts({ root: fixture });
    expect(listing.method).toBe('sysfs');
    expect(listing.reason).toContain(fixture);
    expect(listing.ports.map((p) => p.path)).toEqual(['/dev/ttyACM0', '/dev/ttyAMA0', '/dev/ttyS1', '/dev/ttyUSB0']);
    const byName = new Map(listing.ports.map((p) => [p.name, p]));
    expect(byName.get('ttyAMA0')).toEqual({ path: '/dev/ttyAMA0', name: 'ttyAMA0', driver: 'uart-pl011', aliases: ['/dev/serial0'] });
    expect(byName.get('ttyUSB0')).toEqual({
      path: '/dev/ttyUSB0',
      name: 'ttyUSB0',
      driver: 'ftdi_sio',
      aliases: [
        '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0',
        '/dev/serial/by-path/platform-3f980000.usb-usb-0:1.3:1.0-port0',
      ],
      vendorId: '0403',
      productId: '6001',
      manufacturer: 'FTDI',
      product: 'FT232R USB UART',
      serialNumber: 'A50285BI',
    });
    expect(byName.get('ttyS1')?.driver).toBe('serial8250');
    // /dev/ttyACM0 has a node but no sysfs entry (a container given only /dev): listed, nothing known about it.
    expect(byName.get('ttyACM0')).toEqual({ path: '/dev/ttyACM0', name: 'ttyACM0', driver: null, aliases: [] });
  });

  it('a root without sys/ or dev/ gives an empty list, not an error', async () => {
    const listing = await listSerialPorts({ root: fileURLToPath(new URL('./fixtures/preflight', import.meta.url)) + '/no-such-root' });
    expect(listing).toMatchObject({ method: 'sysfs', ports: [] });
  });

  it('method sysfs never spawns udevadm, even on the live root', async () => {
    const listing = await listSerialPorts({ method: 'sysfs', path: fakeUdevadmDir });
    expect(listing.method).toBe('sysfs');
    expect(listing.ports.some((p) => p.name === 'ttyUSB7')).toBe(false);
  });

  it('bad method is a TypeError', async () => {
    await expect(listSerialPorts({ method: 'udev' as 'auto' })).rejects.toBeInstanceOf(TypeError);
  });
});

describe('listSerialPorts on the live root', () => {
  const savedPath = process.env['PATH'];
  afterEach(() => {
    process.env['PATH'] = savedPath;
  });

  it('without udevadm in PATH it lists from sysfs and says why', async () => {
    const listing = await listSerialPorts({ path: '/nonexistent-dir' });
    expect(listing).toMatchObject({ method: 'sysfs', reason: 'udevadm not found in PATH' });
    for (const p of listing.ports) expect(p.path).toMatch(/^\/dev\/tty/);
  });

  it('with udevadm in PATH it uses serialport (here a stand-in udevadm script that serialport really spawns)', async () => {
    process.env['PATH'] = `${fakeUdevadmDir}:${savedPath ?? ''}`;
    const listing = await listSerialPorts();
    expect(listing.method).toBe('serialport');
    expect(listing.reason).toBe(`udevadm found at ${fakeUdevadmDir}/udevadm`);
    expect(listing.ports).toEqual([{
      path: '/dev/ttyUSB7',
      name: 'ttyUSB7',
      driver: null,
      aliases: [],
      vendorId: '10c4',
      productId: 'ea60',
      manufacturer: 'Silicon Labs',
      serialNumber: '0001',
    }]);
  });
});

describe('why: SerialPort.list() without udevadm (serialport 13, seen on this machine)', () => {
  // PATH is empty in both children, so `udevadm` cannot be found.
  const run = (script: string): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repo, env: { ...process.env, PATH: '' }, encoding: 'utf8', timeout: 30_000,
    });

  it('an un-awaited SerialPort.list() kills the process with an unhandled spawn udevadm ENOENT', () => {
    const r = run("import { SerialPort } from 'serialport'; SerialPort.list(); setTimeout(() => console.log('alive'), 300);");
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain('alive');
    expect(r.stderr).toContain('spawn udevadm ENOENT');
  });

  it('listSerialPorts() in the same situation lists from sysfs and the process lives', () => {
    const r = run("import { listSerialPorts } from './src/hal/serial/list-serial-ports.ts'; const l = await listSerialPorts(); setTimeout(() => console.log(JSON.stringify({ method: l.method, reason: l.reason })), 300);");
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(String(r.stdout))).toEqual({ method: 'sysfs', reason: 'udevadm not found in PATH' });
  });
});
