import { read } from 'node:fs';
import { promisify } from 'node:util';

const readAsync = promisify(read);

/**
 * An open port of a serialport binding: the shape of serialport's
 * `BindingPortInterface` (from `@serialport/bindings-interface`), restated
 * here so that tinyedge's types do not depend on that package.
 */
export interface SerialBindingPort {
  /** The options the port was opened with. */
  readonly openOptions: object;
  /** True while the port is open. */
  readonly isOpen: boolean;
  /** Close the port. */
  close(): Promise<void>;
  /** Read at least one byte into `buffer` at `offset`. */
  read(buffer: Buffer, offset: number, length: number): Promise<{
    /** The buffer read into. */
    buffer: Buffer;
    /** Bytes read, at least 1. */
    bytesRead: number;
  }>;
  /** Hand bytes to the operating system. */
  write(buffer: Buffer): Promise<void>;
  /** Change the baud rate. */
  update(options: { baudRate: number }): Promise<void>;
  /** Set control flags (DTR, RTS, ...). */
  set(options: object): Promise<void>;
  /** Read control flags (CTS, DSR, DCD). */
  get(): Promise<object>;
  /** The baud rate the operating system reports. */
  getBaudRate(): Promise<{
    /** Bits per second. */
    baudRate: number;
  }>;
  /** Discard unread and unsent data. */
  flush(): Promise<void>;
  /** Wait until written data has been transmitted. */
  drain(): Promise<void>;
}

/**
 * A serialport binding (serialport's `BindingInterface`): the native one by
 * default, `MockBinding` from `@serialport/binding-mock` in tests of code
 * above a serial link.
 */
export interface SerialBinding {
  /** List the ports the binding knows. */
  list(): Promise<Array<{
    /** The port's path, e.g. `/dev/ttyUSB0`. */
    path: string;
  }>>;
  /** Open a port. */
  open(options: { path: string; baudRate: number }): Promise<SerialBindingPort>;
}

/** The parts of serialport's unix port binding (`LinuxPortBinding`, `DarwinPortBinding`) this module relies on. */
interface UnixPort extends SerialBindingPort {
  fd: number | null;
  poller: { once(event: 'readable', callback: (err: Error | null) => void): unknown };
}

function isUnixPort(port: SerialBindingPort): port is UnixPort {
  const p = port as Partial<UnixPort>;
  return (typeof p.fd === 'number' || p.fd === null) && typeof p.poller?.once === 'function';
}

function canceled(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}

/**
 * A port whose reads treat end-of-file as the device going away.
 *
 * serialport's unix read loop retries a read that returns 0 bytes, but a
 * tty whose device hung up (a USB adapter unplugged, the other end of a pty
 * closed) returns 0 bytes forever: the loop spins a core at 100 % and never
 * reports the disconnect. Seen with serialport 13 and socat ptys on Linux.
 * Here a 0-byte read is an error without `canceled`, which serialport's
 * stream turns into a `close` with a disconnect error. Everything else is
 * delegated unchanged.
 */
class HangupAwarePort implements SerialBindingPort {
  readonly #inner: UnixPort;

  constructor(inner: UnixPort) {
    this.#inner = inner;
  }

  get openOptions(): object {
    return this.#inner.openOptions;
  }

  get isOpen(): boolean {
    return this.#inner.isOpen;
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    for (;;) {
      const fd = this.#inner.fd;
      if (!this.#inner.isOpen || fd === null) throw canceled();
      try {
        const { bytesRead } = await readAsync(fd, buffer, offset, length, null);
        if (bytesRead === 0) throw Object.assign(new Error('the device hung up (read returned end of file)'), { disconnect: true });
        return { bytesRead, buffer };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw err;
        if (!this.#inner.isOpen) throw canceled();
        await new Promise<void>((resolve, reject) => {
          this.#inner.poller.once('readable', (e) => (e ? reject(e) : resolve()));
        });
      }
    }
  }

  write(buffer: Buffer): Promise<void> {
    return this.#inner.write(buffer);
  }

  update(options: { baudRate: number }): Promise<void> {
    return this.#inner.update(options);
  }

  set(options: object): Promise<void> {
    return this.#inner.set(options);
  }

  get(): Promise<object> {
    return this.#inner.get();
  }

  getBaudRate(): Promise<{ baudRate: number }> {
    return this.#inner.getBaudRate();
  }

  flush(): Promise<void> {
    return this.#inner.flush();
  }

  drain(): Promise<void> {
    return this.#inner.drain();
  }
}

/**
 * Wrap a serialport binding so that its unix ports report a hung-up device
 * (see {@link HangupAwarePort}); ports without a file descriptor (the mock
 * binding, Windows) are returned as they are.
 *
 * @param binding - the binding to wrap
 * @returns a binding with the same `list()` and a hangup-aware `open()`
 */
export function hangupAwareBinding(binding: SerialBinding): SerialBinding {
  return {
    list: () => binding.list(),
    async open(options: { path: string; baudRate: number }): Promise<SerialBindingPort> {
      const port = await binding.open(options);
      return isUnixPort(port) ? new HangupAwarePort(port) : port;
    },
  };
}
