import { constants } from 'node:fs';
import { access, lstat, readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { basename, delimiter, dirname, join, relative } from 'node:path';

/** One serial device. Paths are as the system sees them (`/dev/ttyUSB0`), never prefixed with the root. */
export interface SerialPortInfo {
  /** The device node, e.g. `/dev/ttyUSB0`. */
  path: string;
  /** The tty name, e.g. `ttyUSB0`. */
  name: string;
  /** The kernel driver bound to the device (`ftdi_sio`, `cdc_acm`, `pl011`, `serial8250`, ...), or null when unknown. */
  driver: string | null;
  /** Other names for the same device: `/dev/serial0`, `/dev/serial/by-id/...`. */
  aliases: string[];
  /** USB vendor id, four hex digits, when the device is on USB. */
  vendorId?: string;
  /** USB product id, four hex digits, when the device is on USB. */
  productId?: string;
  /** USB manufacturer string, when known. */
  manufacturer?: string;
  /** USB product string, when known. */
  product?: string;
  /** USB serial number, when known. */
  serialNumber?: string;
}

/** What {@link listSerialPorts} returns: the ports and how they were found. */
export interface SerialPortListing {
  /** `serialport` (its `SerialPort.list()`, backed by `udevadm`) or `sysfs` (read from `/sys/class/tty` and `/dev` under the root). */
  method: 'serialport' | 'sysfs';
  /** Why that method was used, e.g. `udevadm not found in PATH`. */
  reason: string;
  /** The ports, sorted by path. */
  ports: SerialPortInfo[];
}

/** Options of {@link listSerialPorts}. */
export interface ListSerialPortsOptions {
  /** Root directory holding `sys/` and `dev/`. Default `/`. Any other root always lists from sysfs. */
  root?: string;
  /** `auto` (default): serialport when it is safe, else sysfs. `sysfs`: never spawn anything. */
  method?: 'auto' | 'sysfs';
  /** The `PATH` searched for `udevadm`. Default `process.env.PATH`. */
  path?: string;
}

// tty names that are serial hardware rather than virtual consoles or ptys.
const SERIAL_NAME = /^(ttyS|ttyUSB|ttyACM|ttyAMA|ttyAML|ttyO|ttyMFD|ttyTHS|ttyXRUSB|ttyWCH|ttyGS|ttySC|ttymxc|ttyLP|rfcomm)\d+$/;
// Names that are only worth listing when sysfs says there is a device behind
// them (every PC has /dev/ttyS0..31 nodes whether or not a UART exists).
const NEEDS_SYSFS = /^ttyS\d+$/;

/**
 * List the serial ports of the machine (or of a fixture tree under `root`).
 *
 * `serialport`'s `SerialPort.list()` runs `udevadm info -e`; where `udevadm`
 * is missing (containers, minimal images) it rejects with `spawn udevadm
 * ENOENT`, and a caller that does not catch that dies of an unhandled
 * rejection. So it is used only for the real root and when `udevadm` is on
 * `PATH` (and its failure still falls back); otherwise the ports are read
 * from `<root>/sys/class/tty/<name>/device` (a UART of type 0 is no port),
 * the driver link, the USB ancestors' `idVendor`/`idProduct`/`manufacturer`/
 * `product`/`serial` files, and `<root>/dev` (`serial0`/`serial1` and
 * `serial/by-id` links become aliases). The result says which method was used.
 *
 * @param options - root, method and PATH; see {@link ListSerialPortsOptions}
 * @returns the ports and the method; an empty list when there are none or nothing is readable
 * @example
 * ```ts
 * const { method, ports } = await listSerialPorts();
 * for (const p of ports) console.log(p.path, p.driver, method);
 * ```
 */
export async function listSerialPorts(options: ListSerialPortsOptions = {}): Promise<SerialPortListing> {
  const root = options.root ?? '/';
  const method = options.method ?? 'auto';
  if (method !== 'auto' && method !== 'sysfs') throw new TypeError(`method must be 'auto' or 'sysfs', found ${JSON.stringify(method)}`);
  if (method === 'sysfs') return { method: 'sysfs', reason: 'sysfs requested', ports: await listFromSysfs(root) };
  if (root !== '/') return { method: 'sysfs', reason: `root is ${root}, not the live system`, ports: await listFromSysfs(root) };
  const udevadm = await findOnPath('udevadm', options.path ?? process.env['PATH'] ?? '');
  if (udevadm === null) return { method: 'sysfs', reason: 'udevadm not found in PATH', ports: await listFromSysfs(root) };
  try {
    const { SerialPort } = await import('serialport');
    const found = await SerialPort.list();
    const sysfs = new Map((await listFromSysfs(root)).map((p) => [p.path, p]));
    const ports = found.map((p): SerialPortInfo => {
      const extra = sysfs.get(p.path);
      return {
        path: p.path,
        name: basename(p.path),
        driver: extra?.driver ?? null,
        aliases: extra?.aliases ?? [],
        ...(p.vendorId ? { vendorId: p.vendorId.toLowerCase() } : {}),
        ...(p.productId ? { productId: p.productId.toLowerCase() } : {}),
        ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
        ...(extra?.product ? { product: extra.product } : {}),
        ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
      };
    });
    return { method: 'serialport', reason: `udevadm found at ${udevadm}`, ports: ports.sort(byPath) };
  } catch (err) {
    return { method: 'sysfs', reason: `serialport could not list ports (${(err as Error).message})`, ports: await listFromSysfs(root) };
  }
}

async function findOnPath(command: string, pathEnv: string): Promise<string | null> {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      await access(candidate, constants.X_OK);
      if ((await lstat(candidate)).isDirectory()) continue;
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

async function readTrimmed(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

async function listFromSysfs(root: string): Promise<SerialPortInfo[]> {
  const classDir = join(root, 'sys/class/tty');
  const sysNames = await listDir(classDir);
  const devNames = new Set(await listDir(join(root, 'dev')));
  const aliases = await collectAliases(root);
  const ports: SerialPortInfo[] = [];
  const seen = new Set<string>();

  for (const name of sysNames) {
    const ttyDir = join(classDir, name);
    if (!(await exists(join(ttyDir, 'device')))) continue; // virtual: consoles, ptys
    if ((await readTrimmed(join(ttyDir, 'type'))) === '0') continue; // 8250 slot with no UART
    seen.add(name);
    ports.push(await describe(root, name, ttyDir, aliases));
  }
  // Device nodes without a sysfs entry (a container given /dev/ttyUSB0 but not /sys).
  for (const name of devNames) {
    if (seen.has(name) || !SERIAL_NAME.test(name) || NEEDS_SYSFS.test(name)) continue;
    if (sysNames.includes(name)) continue; // sysfs knows it and says there is no device
    ports.push({ path: `/dev/${name}`, name, driver: null, aliases: aliases.get(name) ?? [] });
  }
  return ports.sort(byPath);
}

async function describe(root: string, name: string, ttyDir: string, aliases: Map<string, string[]>): Promise<SerialPortInfo> {
  const device = join(ttyDir, 'device');
  let driver: string | null = null;
  try {
    driver = basename(await readlink(join(device, 'driver')));
  } catch {
    driver = null;
  }
  const info: SerialPortInfo = { path: `/dev/${name}`, name, driver, aliases: aliases.get(name) ?? [] };
  // USB serial: the interface directory's ancestors hold the USB device's descriptors.
  let dir: string;
  try {
    dir = await realpath(device);
  } catch {
    return info;
  }
  const sysRoot = await realpath(join(root, 'sys')).catch(() => join(root, 'sys'));
  for (let depth = 0; depth < 4 && !relative(sysRoot, dir).startsWith('..'); depth++) {
    const vendorId = await readTrimmed(join(dir, 'idVendor'));
    if (vendorId !== null) {
      const productId = await readTrimmed(join(dir, 'idProduct'));
      const manufacturer = await readTrimmed(join(dir, 'manufacturer'));
      const product = await readTrimmed(join(dir, 'product'));
      const serialNumber = await readTrimmed(join(dir, 'serial'));
      info.vendorId = vendorId.toLowerCase();
      if (productId) info.productId = productId.toLowerCase();
      if (manufacturer) info.manufacturer = manufacturer;
      if (product) info.product = product;
      if (serialNumber) info.serialNumber = serialNumber;
      break;
    }
    dir = dirname(dir);
  }
  return info;
}

/** tty name -> its other names under /dev (`serial0`, `serial/by-id/...`, `serial/by-path/...`). */
async function collectAliases(root: string): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  const add = async (linkPath: string, shownAs: string): Promise<void> => {
    try {
      const target = basename(await readlink(linkPath));
      const list = found.get(target) ?? [];
      list.push(shownAs);
      found.set(target, list);
    } catch {
      // not a link
    }
  };
  for (const name of await listDir(join(root, 'dev'))) {
    if (/^serial\d+$/.test(name)) await add(join(root, 'dev', name), `/dev/${name}`);
  }
  for (const sub of ['by-id', 'by-path']) {
    for (const name of await listDir(join(root, 'dev/serial', sub))) {
      await add(join(root, 'dev/serial', sub, name), `/dev/serial/${sub}/${name}`);
    }
  }
  for (const list of found.values()) list.sort();
  return found;
}

function byPath(a: SerialPortInfo, b: SerialPortInfo): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
