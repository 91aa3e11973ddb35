import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { SerialPort } from 'serialport';
import { TinyEdgeError } from '../../errors.js';
import { TypedEmitter, type Listener } from '../../runtime/typed-emitter.js';
import { hangupAwareBinding, type SerialBinding } from './hangup-aware-binding.js';
import { LineSplitter } from './line-splitter.js';

/** How a {@link SerialLink} hands out what it receives: `raw` byte chunks or decoded `lines`. */
export type SerialFraming = 'raw' | 'lines';

/** What a `data` event carries: a `Buffer` for `raw` framing, a `string` (without the delimiter) for `lines`. */
export type SerialData<F extends SerialFraming> = F extends 'lines' ? string : Buffer;

/** Reconnection after the device vanished. All times in ms. */
export interface SerialReconnectOptions {
  /** Delay before the first attempt. Default 100. */
  initialDelayMs?: number;
  /** Each further delay is the previous one times this. Default 2. */
  factor?: number;
  /** Longest delay. Default 5000. */
  maxDelayMs?: number;
  /** Attempts before giving up (the link then closes with reason `gave-up`). Default `Infinity`. */
  maxAttempts?: number;
}

/** Options of {@link openSerialLink}. */
export interface SerialLinkOptions<F extends SerialFraming = 'raw'> {
  /** The device, e.g. `/dev/ttyUSB0`, `/dev/serial0` or a pty link. */
  path: string;
  /** Bits per second, e.g. 9600 or 115200. */
  baudRate: number;
  /** `raw` (default): `data` carries byte chunks as they arrive. `lines`: `data` carries one decoded line each. */
  framing?: F;
  /** Line delimiter for `lines` framing. Default `\n` (a `\r` before it is stripped too). */
  delimiter?: string;
  /** Text encoding of lines and of string writes. Default `utf8`. */
  encoding?: BufferEncoding;
  /** Longest line kept, bytes; a longer one is dropped with an `E_IO` error event. Default 4096. */
  maxLineBytes?: number;
  /** Reconnect when the device vanishes: options, or `false` to close instead. Default: on, with the defaults of {@link SerialReconnectOptions}. */
  reconnect?: SerialReconnectOptions | false;
  /** The serialport binding. Default serialport's native binding for this platform; a mock binding (same interface) in tests of code above the link. */
  binding?: SerialBinding;
}

/** Payload of `open`. */
export interface SerialOpenEvent {
  /** The device path. */
  path: string;
  /** False for the first open, true after a reconnect. */
  reconnected: boolean;
}

/** Payload of `close`. */
export interface SerialCloseEvent {
  /** `closed`: {@link SerialLink.close} was called. `disconnected`: the device went away. `gave-up`: reconnection attempts ran out. */
  reason: 'closed' | 'disconnected' | 'gave-up';
  /** True when the link will now try to reconnect (only with reason `disconnected`). */
  willReconnect: boolean;
  /** What went wrong, for `disconnected` and `gave-up`. */
  error?: TinyEdgeError;
}

/** Payload of `reconnecting`: an attempt is scheduled. */
export interface SerialReconnectingEvent {
  /** 1 for the first attempt after a disconnect, then 2, 3, ... */
  attempt: number;
  /** How long until the attempt, ms. */
  delayMs: number;
  /** Why the previous attempt (or the connection) failed. */
  error: TinyEdgeError;
}

/** The events of a {@link SerialLink}, by name. */
export interface SerialLinkEvents<F extends SerialFraming = 'raw'> {
  /** The port opened (first time or after a reconnect). */
  open: SerialOpenEvent;
  /** The port closed; see {@link SerialCloseEvent.reason}. */
  close: SerialCloseEvent;
  /** Received bytes (`raw`) or one line (`lines`). */
  data: SerialData<F>;
  /** Something went wrong that does not close the link (a dropped over-long line, a failed write). Never thrown: an error with no listener is dropped. */
  error: TinyEdgeError;
  /** The device vanished and an attempt to reopen it is scheduled. */
  reconnecting: SerialReconnectingEvent;
}

/** The state of a {@link SerialLink}. */
export type SerialLinkState = 'open' | 'reconnecting' | 'closed';

const OPEN_HINT = 'Check the device path (`tinyedge detect` lists serial ports) and that the device is plugged in.';

/**
 * A serial connection that survives its device: when a USB adapter is
 * unplugged (or a pty's other end closes) it emits `close` with reason
 * `disconnected`, then reopens the same path with exponential backoff,
 * emitting `reconnecting` before each attempt and `open` when it is back.
 * Nothing the device does throws or crashes the process: failures arrive as
 * events (an `error` with no listener is dropped). Create one with
 * {@link openSerialLink}; close it with {@link SerialLink.close}.
 *
 * @typeParam F - the framing: `raw` byte chunks or `lines`
 */
export class SerialLink<F extends SerialFraming = 'raw'> {
  /** The device path given to {@link openSerialLink}. */
  readonly path: string;
  /** Bits per second. */
  readonly baudRate: number;
  /** The framing of `data` events. */
  readonly framing: F;
  readonly #events = new TypedEmitter<SerialLinkEvents<F>>();
  readonly #options: Required<Pick<SerialLinkOptions<F>, 'delimiter' | 'encoding' | 'maxLineBytes'>> & { binding?: SerialBinding };
  readonly #reconnect: Required<SerialReconnectOptions> | false;
  readonly #splitter: LineSplitter | null;
  #port: SerialPort | null = null;
  #state: SerialLinkState | 'opening' = 'opening';
  #attempt = 0;
  #timer: NodeJS.Timeout | null = null;
  #closing: Promise<void> | null = null;

  /** @internal use {@link openSerialLink} */
  constructor(options: SerialLinkOptions<F>) {
    this.path = options.path;
    this.baudRate = options.baudRate;
    this.framing = (options.framing ?? 'raw') as F;
    this.#options = {
      delimiter: options.delimiter ?? '\n',
      encoding: options.encoding ?? 'utf8',
      maxLineBytes: options.maxLineBytes ?? 4096,
      ...(options.binding === undefined ? {} : { binding: options.binding }),
    };
    const r = options.reconnect;
    this.#reconnect = r === false ? false : {
      initialDelayMs: r?.initialDelayMs ?? 100,
      factor: r?.factor ?? 2,
      maxDelayMs: r?.maxDelayMs ?? 5000,
      maxAttempts: r?.maxAttempts ?? Infinity,
    };
    this.#splitter = this.framing === 'lines' ? new LineSplitter(this.#options.delimiter, this.#options.encoding, this.#options.maxLineBytes) : null;
  }

  /** `open`, `reconnecting` (the device is gone, attempts are scheduled) or `closed` (for good). */
  get state(): SerialLinkState {
    return this.#state === 'opening' ? 'reconnecting' : this.#state;
  }

  /** True while the port is open and writes can go out. */
  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /**
   * Add a listener.
   *
   * @returns a function that removes it
   */
  on<K extends keyof SerialLinkEvents<F>>(event: K, listener: Listener<SerialLinkEvents<F>, K>): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * Add a listener that is removed after its first call.
   *
   * @returns a function that removes it before it fires
   */
  once<K extends keyof SerialLinkEvents<F>>(event: K, listener: Listener<SerialLinkEvents<F>, K>): () => void {
    return this.#events.once(event, listener);
  }

  /** Remove a listener; unknown listeners are ignored. */
  off<K extends keyof SerialLinkEvents<F>>(event: K, listener: Listener<SerialLinkEvents<F>, K>): void {
    this.#events.off(event, listener);
  }

  /**
   * Write bytes (a string is encoded with the link's encoding) and wait
   * until the operating system has transmitted them (`tcdrain`).
   *
   * @param data - what to send
   * @throws TinyEdgeError `E_DISCONNECTED` while the device is gone (the link may be reconnecting),
   *   `E_CLOSED` after {@link SerialLink.close}, `E_IO` when the write fails
   */
  async write(data: string | Uint8Array): Promise<void> {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new TypeError('data must be a string or a Uint8Array');
    const port = this.#port;
    if (this.#state === 'closed') throw new TinyEdgeError('E_CLOSED', `serial link ${this.path} is closed`, 'Open a new link with openSerialLink().');
    if (this.#state !== 'open' || port === null) {
      throw new TinyEdgeError('E_DISCONNECTED', `serial device ${this.path} is not connected (reconnecting)`,
        'Wait for the link\'s `open` event, or check that the device is plugged in.');
    }
    const bytes = typeof data === 'string' ? Buffer.from(data, this.#options.encoding) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    // A port that goes away mid-write never calls back: settle on the link's close instead.
    let offClose = (): void => undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        offClose = this.once('close', () => reject(new TinyEdgeError('E_DISCONNECTED', `serial device ${this.path} went away during a write`,
          'Wait for the link\'s `open` event, or check that the device is plugged in.')));
        port.write(bytes, (err) => {
          if (err) return reject(writeError(this.path, err));
          port.drain((drainErr) => (drainErr ? reject(writeError(this.path, drainErr)) : resolve()));
        });
      });
    } finally {
      offClose();
    }
  }

  /**
   * Iterate over `data` payloads as they arrive, until the link closes for
   * good. Payloads that arrive while nobody awaits are queued.
   *
   * @example
   * ```ts
   * for await (const line of link) console.log(line);
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<SerialData<F>, void, undefined> {
    const queue: SerialData<F>[] = [];
    let wake: (() => void) | null = null;
    const offData = this.on('data', (d) => {
      queue.push(d);
      wake?.();
    });
    const offClose = this.on('close', () => wake?.());
    try {
      while (true) {
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (this.#state === 'closed') return;
        await new Promise<void>((resolve) => { wake = resolve; });
        wake = null;
      }
    } finally {
      offData();
      offClose();
    }
  }

  /**
   * Close the port and stop reconnecting. Idempotent; resolves once the port
   * is closed. Emits `close` with reason `closed` (unless the link had
   * already closed for good).
   */
  async close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = (async () => {
      if (this.#state === 'closed') return;
      this.#state = 'closed';
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = null;
      const port = this.#port;
      this.#port = null;
      if (port !== null) await closePort(port);
      this.#events.emit('close', { reason: 'closed', willReconnect: false });
    })();
    return this.#closing;
  }

  /** Same as {@link SerialLink.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal the first open: failures reject instead of reconnecting. */
  async start(): Promise<void> {
    const port = await this.#openPort();
    if (this.#state === 'closed') {
      await closePort(port);
      return;
    }
    this.#attach(port, false);
  }

  async #openPort(): Promise<SerialPort> {
    const path = this.path;
    // With the native binding, ask the filesystem first: its errors say more than the binding's strings.
    if (this.#options.binding === undefined) await checkDevicePath(path);
    let SerialPortClass: typeof SerialPort;
    try {
      ({ SerialPort: SerialPortClass } = await import('serialport'));
    } catch (err) {
      throw new TinyEdgeError('E_BACKEND_UNAVAILABLE', `the serialport native binding could not be loaded: ${(err as Error).message}`,
        'Reinstall tinyedge on this machine so the serialport addon matches the platform and Node version.', { cause: err });
    }
    const binding = hangupAwareBinding(this.#options.binding ?? (SerialPortClass.binding as unknown as SerialBinding));
    const port = new SerialPortClass({ path, baudRate: this.baudRate, autoOpen: false, binding } as ConstructorParameters<typeof SerialPort>[0]);
    // Errors not routed to a callback must never become an unhandled 'error'.
    port.on('error', (err: Error) => this.#events.emit('error', new TinyEdgeError('E_IO', `serial device ${path}: ${err.message}`, OPEN_HINT, { cause: err })));
    await new Promise<void>((resolve, reject) => {
      port.open((err) => (err ? reject(openError(path, err)) : resolve()));
    });
    return port;
  }

  #attach(port: SerialPort, reconnected: boolean): void {
    this.#port = port;
    this.#state = 'open';
    this.#attempt = 0;
    this.#splitter?.reset();
    port.on('data', (chunk: Buffer) => this.#receive(chunk));
    port.on('close', (err: (Error & { disconnected?: boolean }) | null) => {
      if (this.#port !== port) return; // we closed it on purpose
      this.#port = null;
      const error = new TinyEdgeError('E_DISCONNECTED', `serial device ${this.path} went away${err ? `: ${err.message}` : ''}`,
        'Check the cable and the device; the link reopens it when it comes back.', err ? { cause: err } : undefined);
      this.#disconnected(error);
    });
    this.#events.emit('open', { path: this.path, reconnected });
  }

  #receive(chunk: Buffer): void {
    if (this.#splitter === null) {
      this.#events.emit('data', chunk as SerialData<F>);
      return;
    }
    const { lines, overflowed } = this.#splitter.push(chunk);
    for (const line of lines) this.#events.emit('data', line as SerialData<F>);
    if (overflowed) {
      this.#events.emit('error', new TinyEdgeError('E_IO', `serial device ${this.path} sent more than ${this.#options.maxLineBytes} bytes without a line delimiter; dropped them`,
        'Check the baud rate and the delimiter the device uses.'));
    }
  }

  #disconnected(error: TinyEdgeError): void {
    if (this.#state === 'closed') return;
    const willReconnect = this.#reconnect !== false;
    this.#state = willReconnect ? 'reconnecting' : 'closed';
    this.#events.emit('close', { reason: 'disconnected', willReconnect, error });
    if (willReconnect) this.#schedule(error);
  }

  #schedule(error: TinyEdgeError): void {
    const r = this.#reconnect;
    if (r === false || this.#state === 'closed') return;
    this.#attempt++;
    if (this.#attempt > r.maxAttempts) {
      this.#state = 'closed';
      const gaveUp = new TinyEdgeError('E_DISCONNECTED', `serial device ${this.path} did not come back after ${r.maxAttempts} attempts`,
        'Check the device, then open a new link.', { cause: error });
      this.#events.emit('close', { reason: 'gave-up', willReconnect: false, error: gaveUp });
      return;
    }
    const delayMs = Math.min(r.maxDelayMs, r.initialDelayMs * r.factor ** (this.#attempt - 1));
    this.#events.emit('reconnecting', { attempt: this.#attempt, delayMs, error });
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#openPort().then(
        async (port) => {
          if (this.#state === 'closed') return closePort(port);
          this.#attach(port, true);
        },
        (err: unknown) => this.#schedule(err instanceof TinyEdgeError ? err : new TinyEdgeError('E_IO', String(err), OPEN_HINT, { cause: err })),
      );
    }, delayMs);
  }
}

/**
 * Open a serial device and keep it open: see {@link SerialLink} for the
 * reconnect behaviour and the events.
 *
 * @param options - path, baud rate, framing, reconnect; see {@link SerialLinkOptions}
 * @returns the open link; close it when done
 * @throws TypeError / RangeError for bad options
 * @throws TinyEdgeError `E_NOT_FOUND` when nothing is at `path`, `E_PERMISSION` when the device is not
 *   readable and writable by this user, `E_IO` when it is not a serial device or is locked by another program,
 *   `E_BACKEND_UNAVAILABLE` when serialport's native binding cannot load
 * @example
 * ```ts
 * const link = await openSerialLink({ path: '/dev/ttyUSB0', baudRate: 115200, framing: 'lines' });
 * link.on('data', (line) => console.log(line));
 * link.on('reconnecting', ({ attempt, delayMs }) => console.warn(`meter gone, retry ${attempt} in ${delayMs} ms`));
 * await link.write('start\n');
 * await link.close();
 * ```
 */
export async function openSerialLink<F extends SerialFraming = 'raw'>(options: SerialLinkOptions<F>): Promise<SerialLink<F>> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  if (typeof options.path !== 'string' || options.path === '') throw new TypeError('path must be a non-empty string');
  if (!Number.isInteger(options.baudRate) || options.baudRate <= 0) throw new RangeError(`baudRate must be a positive integer, found ${String(options.baudRate)}`);
  const framing = options.framing ?? 'raw';
  if (framing !== 'raw' && framing !== 'lines') throw new TypeError(`framing must be 'raw' or 'lines', found ${JSON.stringify(framing)}`);
  if (options.delimiter !== undefined && (typeof options.delimiter !== 'string' || options.delimiter === '')) throw new TypeError('delimiter must be a non-empty string');
  if (options.maxLineBytes !== undefined && !(Number.isInteger(options.maxLineBytes) && options.maxLineBytes > 0)) {
    throw new RangeError(`maxLineBytes must be a positive integer, found ${String(options.maxLineBytes)}`);
  }
  const r = options.reconnect;
  if (r !== undefined && r !== false) {
    if (typeof r !== 'object' || r === null) throw new TypeError('reconnect must be an options object or false');
    for (const key of ['initialDelayMs', 'maxDelayMs', 'factor', 'maxAttempts'] as const) {
      const v = r[key];
      if (v !== undefined && !(typeof v === 'number' && v >= (key === 'factor' ? 1 : key === 'maxAttempts' ? 1 : 0))) {
        throw new RangeError(`reconnect.${key} must be a number ${key === 'factor' || key === 'maxAttempts' ? '>= 1' : '>= 0'}, found ${String(v)}`);
      }
    }
  }
  const link = new SerialLink<F>(options);
  await link.start();
  return link;
}

async function checkDevicePath(path: string): Promise<void> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new TinyEdgeError('E_IO', `${path} is a directory, not a serial device`, OPEN_HINT);
  } catch (err) {
    if (err instanceof TinyEdgeError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new TinyEdgeError('E_NOT_FOUND', `no serial device at ${path}`, OPEN_HINT, { cause: err });
    if (code === 'EACCES') throw permissionError(path, err);
    throw new TinyEdgeError('E_IO', `cannot open ${path}: ${(err as Error).message}`, OPEN_HINT, { cause: err });
  }
  try {
    await access(path, constants.R_OK | constants.W_OK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EACCES') throw permissionError(path, err);
  }
}

function permissionError(path: string, cause: unknown): TinyEdgeError {
  return new TinyEdgeError('E_PERMISSION', `no permission to read and write ${path}`,
    'Add your user to the group that owns the device (usually `dialout`: `sudo usermod -aG dialout $USER`, then log in again), or add a udev rule.', { cause });
}

function openError(path: string, err: Error): TinyEdgeError {
  const m = err.message;
  if (/No such file or directory/i.test(m)) return new TinyEdgeError('E_NOT_FOUND', `no serial device at ${path}`, OPEN_HINT, { cause: err });
  if (/Permission denied/i.test(m)) return permissionError(path, err);
  if (/Resource temporarily unavailable|cannot lock/i.test(m)) {
    return new TinyEdgeError('E_IO', `${path} is in use by another program`, 'Close the other program (a serial console, ModemManager, another tinyedge) and try again.', { cause: err });
  }
  if (/Inappropriate ioctl/i.test(m)) return new TinyEdgeError('E_IO', `${path} is not a serial device`, OPEN_HINT, { cause: err });
  return new TinyEdgeError('E_IO', `cannot open ${path}: ${m.replace(/^Error: /, '')}`, OPEN_HINT, { cause: err });
}

function writeError(path: string, err: Error): TinyEdgeError {
  return new TinyEdgeError('E_IO', `write to ${path} failed: ${err.message}`, 'Check that the device is still connected.', { cause: err });
}

function closePort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    port.close(() => resolve()); // an error here means it is already closed
  });
}
