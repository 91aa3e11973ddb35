import { createServer } from 'node:net';
import { TinyEdgeError } from '../errors.js';

/** Options of {@link startEmbeddedBroker}. */
export interface EmbeddedBrokerOptions {
  /** TCP port; 0 picks a free one. Default 1883. */
  port?: number;
  /** Address to listen on. Default `127.0.0.1` (this machine only). */
  host?: string;
}

/** A running embedded broker. */
export interface EmbeddedBroker {
  /** `mqtt://host:port`, for `connectTelemetry({ url })`. */
  readonly url: string;
  /** The address it listens on. */
  readonly host: string;
  /** The port it listens on (the real one when 0 was asked for). */
  readonly port: number;
  /** Clients connected now. */
  clients(): number;
  /** Disconnect every client and stop listening. Closing twice is harmless. */
  close(): Promise<void>;
}

/**
 * Start an MQTT broker in this process (aedes, MQTT 3.1.1, no persistence,
 * no authentication), for local development and demos: `tinyedge broker`
 * runs one. The telemetry link falls back to MQTT 3.1.1 by itself when it
 * meets it. Use Mosquitto or another real broker in production.
 *
 * @param options - port and host
 * @returns the broker, listening
 * @throws RangeError for a port outside 0..65535
 * @throws TinyEdgeError `E_IO` when the address is in use or cannot be bound
 * @example
 * ```ts
 * const broker = await startEmbeddedBroker({ port: 0 });
 * const link = await connectTelemetry({ url: broker.url, deviceId: 'demo' });
 * ```
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const port = options.port ?? 1883;
  const host = options.host ?? '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be an integer from 0 to 65535, found ${port}`);
  if (typeof host !== 'string' || host === '') throw new TypeError('host must be a non-empty address');
  const { Aedes } = await import('aedes'); // loaded on first use, like the MQTT client
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    const code = (err as NodeJS.ErrnoException).code;
    throw new TinyEdgeError('E_IO', `Cannot listen on ${host}:${port}: ${(err as Error).message}.`,
      code === 'EADDRINUSE' ? 'Another broker is using that port: pick another with --port (0 picks a free one).'
        : code === 'EACCES' ? 'Ports below 1024 need privileges: pick a port above 1023.'
          : 'Check the host address.', { cause: err });
  }
  const address = server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `mqtt://${urlHost}:${actualPort}`,
    host,
    port: actualPort,
    clients: () => aedes.connectedClients,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}
