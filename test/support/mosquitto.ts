// A real Mosquitto for tests: started on free loopback ports with a config
// generated here, users in a password file made by `mosquitto_passwd`, and
// (on request) a TLS listener that requires client certificates, with a CA,
// server and client certificates made by `openssl` in a temp directory.
// Persistence is off, so `kill9()` + `restart()` is a broker that lost
// everything, on the same port.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MOSQUITTO = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';

/** Paths and PEM text of the generated certificates. */
export interface TestCerts {
  caFile: string;
  ca: string;
  clientCert: string;
  clientKey: string;
  /** A CA that did not sign anything the broker uses (for negative tests). */
  otherCa: string;
}

export interface MosquittoOptions {
  /** Users in the password file. Default `{ tinyedge: 'tinyedge-secret' }`. */
  users?: Record<string, string>;
  /** Also listen with TLS, client certificate required (the certificate's CN becomes the username). */
  tls?: boolean;
  /** Let clients in without a username on the plain listener. Default false. */
  anonymous?: boolean;
  /** Port of the plain listener. Default: a free one. */
  port?: number;
}

export interface Mosquitto {
  readonly host: '127.0.0.1';
  /** Plain listener (password auth). */
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>`. */
  readonly url: string;
  /** TLS listener, when `tls` was asked for. */
  readonly tlsPort: number | undefined;
  /** `mqtts://127.0.0.1:<tlsPort>`. */
  readonly tlsUrl: string | undefined;
  readonly certs: TestCerts | undefined;
  readonly dir: string;
  /** Process id of the running broker. */
  pid(): number;
  /** SIGKILL the broker and wait for it to be gone. */
  kill9(): Promise<void>;
  /** Start it again on the same ports, with the same config (and the password file as it is now). */
  restart(): Promise<void>;
  /** Rewrite the password file; with `reload`, SIGHUP the running broker so it re-reads it. */
  setUsers(users: Record<string, string>, reload?: boolean): Promise<void>;
  /** Everything the broker logged. */
  log(): string;
  /** Stop it (SIGTERM). */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound and released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`mosquitto exited (${child.exitCode ?? child.signalCode}):\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function makeCerts(dir: string): Promise<TestCerts> {
  const ossl = (...args: string[]): Promise<unknown> => run('openssl', args, { cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=tinyedge test CA');
  await ossl('req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-days', '2', '-subj', '/CN=some other CA');
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await writeFile(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [['server', 'localhost'], ['client', 'tinyedge-device']] as const) {
    await ossl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    await ossl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  }
  const read = (f: string): Promise<string> => readFile(join(dir, f), 'utf8');
  return { caFile: join(dir, 'ca.crt'), ca: await read('ca.crt'), clientCert: await read('client.crt'), clientKey: await read('client.key'), otherCa: await read('other-ca.crt') };
}

async function writePasswords(file: string, users: Record<string, string>): Promise<void> {
  await writeFile(file, '');
  for (const [user, password] of Object.entries(users)) await run('mosquitto_passwd', ['-b', file, user, password]);
}

/** Start a Mosquitto; stop it with `stop()` (tests should do so in afterAll). */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'tinyedge-mosquitto-'));
  const pwFile = join(dir, 'passwords');
  await writePasswords(pwFile, options.users ?? { tinyedge: 'tinyedge-secret' });
  const port = options.port ?? (await freePort());
  const tlsPort = options.tls ? await freePort() : undefined;
  const certs = options.tls ? await makeCerts(dir) : undefined;
  const conf = [
    'per_listener_settings true',
    'persistence false',
    // As root, mosquitto would switch to the `mosquitto` user, who cannot read this private temp dir.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'set_tcp_nodelay true',
    `listener ${port} 127.0.0.1`,
    ...(options.anonymous === true ? ['allow_anonymous true'] : ['allow_anonymous false', `password_file ${pwFile}`]),
    ...(tlsPort === undefined ? [] : [
      `listener ${tlsPort} 127.0.0.1`,
      `cafile ${join(dir, 'ca.crt')}`,
      `certfile ${join(dir, 'server.crt')}`,
      `keyfile ${join(dir, 'server.key')}`,
      'require_certificate true',
      'use_identity_as_username true',
      'allow_anonymous false',
    ]),
  ].join('\n');
  const confFile = join(dir, 'mosquitto.conf');
  await writeFile(confFile, `${conf}\n`);

  let output = '';
  let child: ChildProcess;
  const launch = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      child = spawn(MOSQUITTO, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d: Buffer) => (output += d));
      child.stderr!.on('data', (d: Buffer) => (output += d));
      try {
        await waitForPort(port, child, () => output);
        if (tlsPort !== undefined) await waitForPort(tlsPort, child, () => output);
        return;
      } catch (err) {
        // Right after a kill -9 the port can still be held for a moment: try again.
        if (attempt >= 20 || !/Address already in use/.test(output)) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const exited = (): Promise<void> => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  await launch();

  return {
    host: '127.0.0.1',
    port,
    url: `mqtt://127.0.0.1:${port}`,
    tlsPort,
    tlsUrl: tlsPort === undefined ? undefined : `mqtts://127.0.0.1:${tlsPort}`,
    certs,
    dir,
    pid: () => child.pid!,
    async kill9() {
      child.kill('SIGKILL');
      await exited();
    },
    async restart() {
      await launch();
    },
    async setUsers(users, reload = true) {
      await writePasswords(pwFile, users);
      if (!reload) return;
      const before = output.split('Reloading config').length;
      child.kill('SIGHUP');
      const deadline = Date.now() + 5000;
      while (output.split('Reloading config').length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    },
    log: () => output,
    async stop() {
      child.kill('SIGTERM');
      await exited();
    },
  };
}

/**
 * A TCP relay in front of a broker that records every byte clients send
 * through it: "what the broker receives", at the byte level.
 */
export interface TcpTap {
  readonly port: number;
  readonly url: string;
  /** All bytes received from clients so far, in arrival order per connection. */
  received(): Buffer;
  close(): Promise<void>;
}

export async function startTcpTap(targetPort: number): Promise<TcpTap> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (d: Buffer) => {
      chunks.push(Buffer.from(d));
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => client.write(d));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    received: () => Buffer.concat(chunks),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
