// The telemetry link: a durable queue on one side, an MQTT connection on the
// other. Data messages are appended to the queue first and published at
// QoS 1 in sequence order; the broker's PUBACK removes them. The MQTT client
// is made with reconnectPeriod 0 and replaced by a fresh one per connection
// attempt, so the queue is the only store of unacknowledged messages and the
// retry schedule (exponential backoff with jitter) is ours.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { IClientOptions, MqttClient } from 'mqtt';
import { TinyEdgeError } from '../errors.js';
import { TypedEmitter } from '../runtime/typed-emitter.js';
import type { Listener } from '../runtime/typed-emitter.js';
import { attachSources } from './attach-sources.js';
import type { AttachOptions } from './attach-sources.js';
import { buildBoardPayload, buildInferencePayload, buildStatusPayload, PowerAccumulator } from './build-payloads.js';
import type { BoardSummaryInput, InferenceReportInput, PowerSampleInput } from './build-payloads.js';
import { DurableQueue } from './durable-queue.js';
import type { QueueFsyncPolicy, QueuedMessage } from './durable-queue.js';
import { homeAssistantDiscovery } from './home-assistant-discovery.js';
import type { HomeAssistantOptions } from './home-assistant-discovery.js';
import { reconnectDelay, resolveReconnectOptions } from './reconnect-backoff.js';
import type { ReconnectOptions, ResolvedReconnectOptions } from './reconnect-backoff.js';
import { describeMqttError } from './mqtt-errors.js';
import { telemetryTopics } from './telemetry-topics.js';
import type { TelemetryTopics } from './telemetry-topics.js';
import type { TelemetryDataTopic } from './telemetry-payloads.js';

/** Drop order of the queue: power samples go first, inference reports last. */
const QUEUE_KINDS: readonly TelemetryDataTopic[] = ['power', 'board', 'inference'];
const HA_STATUS_TOPIC = 'homeassistant/status';

/** TLS material, PEM text or bytes (not paths). */
export interface TelemetryTlsOptions {
  /** CA certificate(s) that signed the broker's certificate. */
  ca?: string | Buffer;
  /** Client certificate, for brokers that require one. */
  cert?: string | Buffer;
  /** Client private key. */
  key?: string | Buffer;
  /** Verify the broker's certificate. Default true. */
  rejectUnauthorized?: boolean;
  /** Server name to verify, when it differs from the URL's host. */
  servername?: string;
}

/** Options of {@link connectTelemetry}. */
export interface TelemetryOptions {
  /** Broker URL: `mqtt://host[:1883]` or `mqtts://host[:8883]` (TLS). */
  url: string;
  /** This device's id: letters, digits, `_`, `-`, 1 to 64 characters; topics are `tinyedge/<deviceId>/...`. */
  deviceId: string;
  /** Queue directory. Default `$XDG_STATE_HOME/tinyedge/telemetry/<deviceId>` (`~/.local/state/...`). */
  queueDir?: string;
  /**
   * 5 (MQTT 5) or 4 (MQTT 3.1.1). Default: 5, falling back to 4 when the broker refuses
   * version 5 (as MQTT 3.1.1-only brokers such as the embedded `tinyedge broker` do).
   */
  protocolVersion?: 4 | 5;
  /** Username for the broker. */
  username?: string;
  /** Password for the broker. */
  password?: string;
  /** TLS material; needs an `mqtts://` URL. */
  tls?: TelemetryTlsOptions;
  /** MQTT keepalive, s. Default 30; 0 disables. */
  keepaliveSeconds?: number;
  /** How long one connection attempt may take, ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Retry schedule; see {@link ReconnectOptions}. */
  reconnect?: ReconnectOptions;
  /** The durable queue: bound (default 16 MiB), segment size, fsync policy (default `always`), cache; see `DurableQueueOptions`. */
  queue?: {
    /** Bound on the queue's files, bytes. Default 16 MiB. */
    maxBytes?: number;
    /** Segment file size, bytes. Default min(1 MiB, maxBytes / 8). */
    segmentBytes?: number;
    /** When appends are synced. Default `always`. */
    fsync?: QueueFsyncPolicy;
    /** Payload bytes kept in memory for sending. Default 1 MiB. */
    cacheBytes?: number;
  };
  /** Messages published and not yet acknowledged at most (capped by the broker's receive maximum). Default 20. */
  maxInflight?: number;
  /** With `attach`: power samples are published in batches at least this often, ms. Default 1000. */
  powerBatchMs?: number;
  /** With `attach`: how long an inference report waits for its energy report, ms. Default 2000. */
  energyWaitMs?: number;
  /** Publish Home Assistant discovery configs (true, or options). Default false. */
  homeAssistant?: boolean | HomeAssistantOptions;
  /** MQTT client id. Default `tinyedge-<deviceId>`. */
  clientId?: string;
  /** Wall clock for `ts` fields, ms since the Unix epoch. Default `Date.now`. */
  now?: () => number;
}

/** Counters of a {@link TelemetryLink}. */
export interface TelemetryStats {
  /** Connected to the broker now. */
  connected: boolean;
  /** Current connection attempt's session number (0 before the first). */
  session: number;
  /** Messages in the queue, not yet acknowledged (in flight included). */
  queued: number;
  /** Messages published and awaiting PUBACK. */
  inflight: number;
  /** Messages acknowledged by the broker since the link opened. */
  acked: number;
  /** Messages the broker refused (MQTT 5 PUBACK reason code >= 0x80); they leave the queue. */
  rejected: number;
  /** Messages the queue dropped because it was full, since the queue was created. */
  dropped: number;
  /** Last sequence number assigned. */
  lastSeq: number;
  /** Connections made since the link opened. */
  connects: number;
  /** MQTT protocol version in use: 5, or 4 (3.1.1). */
  protocolVersion: 4 | 5;
  /** Bytes of the queue's files. */
  queueBytes: number;
  /** Code of the last connection error, if any. */
  lastError?: string;
}

/** Events of a {@link TelemetryLink}. */
export interface TelemetryEvents {
  /** Connected (CONNACK accepted); status `online` is being published. */
  connect: {
    /** The connection's session number. */
    session: number;
  };
  /** The connection was lost; messages wait in the queue. */
  offline: {
    /** The session that ended. */
    session: number;
  };
  /** A retry is scheduled. */
  reconnecting: {
    /** Failed attempts in a row, this one included. */
    attempt: number;
    /** Delay before the retry, ms. */
    delayMs: number;
  };
  /** Something went wrong; the link keeps going (connection errors are retried). */
  error: {
    /** What went wrong: `E_MQTT_AUTH`, `E_MQTT_CONNECT`, `E_IO`, ... */
    error: TinyEdgeError;
  };
  /** The queue was full and dropped messages (power samples first). */
  dropped: {
    /** Dropped this time. */
    count: number;
    /** Dropped since the queue was created. */
    total: number;
  };
}

interface ResolvedOptions {
  url: string;
  deviceId: string;
  queueDir: string;
  protocolVersion: 4 | 5;
  /** False when the version is the default, which may fall back to 4. */
  versionExplicit: boolean;
  reconnect: ResolvedReconnectOptions;
  maxInflight: number;
  powerBatchMs: number;
  energyWaitMs: number;
  homeAssistant: HomeAssistantOptions | undefined;
  now: () => number;
  mqtt: IClientOptions;
}

/**
 * Open the durable queue and start connecting to the broker. Resolves as
 * soon as the queue is open: publishing works offline, and messages leave
 * the queue once the broker acknowledges them. Use
 * {@link TelemetryLink.waitForConnection} to wait for the broker.
 *
 * @param options - see {@link TelemetryOptions}
 * @returns the link; close it with `close()`
 * @throws TypeError / RangeError for bad options
 * @throws TinyEdgeError `E_QUEUE_LOCKED`, `E_QUEUE_CORRUPT` or `E_IO` when the queue directory cannot be used
 * @example
 * ```ts
 * const link = await connectTelemetry({ url: 'mqtt://broker.local', deviceId: 'fridge-01', homeAssistant: true });
 * link.attach({ sampler, model });
 * // ...
 * await link.close();
 * ```
 */
export async function connectTelemetry(options: TelemetryOptions): Promise<TelemetryLink> {
  const resolved = resolveOptions(options);
  const queue = await DurableQueue.open({ dir: resolved.queueDir, kinds: QUEUE_KINDS, ...options.queue });
  const link = new TelemetryLink(resolved, queue);
  link.start();
  return link;
}

/**
 * A device's telemetry link; see {@link connectTelemetry}. Publishing
 * methods put a message in the durable queue and resolve with its sequence
 * number once it is on disk; delivery follows whenever the broker is
 * reachable.
 */
export class TelemetryLink {
  /** The device id. */
  readonly deviceId: string;
  /** The device's topics. */
  readonly topics: TelemetryTopics;
  readonly #o: ResolvedOptions;
  readonly #queue: DurableQueue;
  readonly #events = new TypedEmitter<TelemetryEvents>();
  readonly #power: PowerAccumulator;
  readonly #detachers = new Set<() => void>();
  readonly #appends = new Set<Promise<unknown>>();
  #client: MqttClient | undefined;
  #gen = 0;
  #session = 0;
  #connected = false;
  #closing = false;
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #stableTimer: NodeJS.Timeout | undefined;
  #announceTimer: NodeJS.Timeout | undefined;
  #inflight = 0;
  #inflightLimit: number;
  #pumping = false;
  #pumpAgain = false;
  #acked = 0;
  #rejected = 0;
  #connects = 0;
  #lastError: TinyEdgeError | undefined;
  #version: 4 | 5;
  #retryNow = false;
  #closed: Promise<void> | undefined;
  #accepting = true;

  /** @internal */
  constructor(options: ResolvedOptions, queue: DurableQueue) {
    this.#o = options;
    this.#queue = queue;
    this.deviceId = options.deviceId;
    this.topics = telemetryTopics(options.deviceId);
    this.#power = new PowerAccumulator(performance.timeOrigin);
    this.#inflightLimit = options.maxInflight;
    this.#version = options.protocolVersion;
    queue.on('written', () => this.#pump());
    queue.on('dropped', ({ count, total }) => this.#events.emit('dropped', { count, total }));
  }

  /** True while connected to the broker. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Listen to an event; returns a function that removes the listener. */
  on<K extends keyof TelemetryEvents>(event: K, listener: Listener<TelemetryEvents, K>): () => void {
    return this.#events.on(event, listener);
  }

  /** Current counters. */
  stats(): TelemetryStats {
    const q = this.#queue.stats();
    return {
      connected: this.#connected, session: this.#session, queued: q.pending, inflight: this.#inflight, acked: this.#acked,
      rejected: this.#rejected, dropped: q.dropped, lastSeq: q.lastSeq, connects: this.#connects, queueBytes: q.fileBytes,
      protocolVersion: this.#version,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError.code }),
    };
  }

  /**
   * Queue power samples for `tinyedge/<id>/power`: one message per run of
   * samples of the same kind (at most 10,000 samples each).
   *
   * @param samples - `{ t, watts, kind }` samples, `t` on this process's `performance.now()` clock
   * @param source - power source id, reduced to a slug (e.g. `hwmon`)
   * @returns the sequence numbers of the messages, once on disk
   * @throws TypeError for a malformed sample; TinyEdgeError `E_CLOSED` after close
   */
  async publishPower(samples: readonly PowerSampleInput[], source?: string): Promise<number[]> {
    this.#checkOpen();
    const runs = PowerAccumulator.runs(samples);
    return this.#track(Promise.all(runs.map((run) =>
      this.#queue.append('power', (env) => encode(this.#power.build(run, source, { ...env, ts: this.#now() }))))));
  }

  /**
   * Queue one inference report for `tinyedge/<id>/inference`: the model's
   * `inference:end` event (token counts, durations, stop reason), with the
   * meter's energy report under `energy`, or an energy report alone. Only
   * declared numeric and enum fields are read; text never is.
   *
   * @returns the sequence number, once on disk
   * @throws TypeError for a malformed report; TinyEdgeError `E_CLOSED` after close
   */
  async publishInference(report: InferenceReportInput): Promise<number> {
    this.#checkOpen();
    return this.#track(this.#queue.append('inference', (env) => encode(buildInferencePayload(report, { ...env, ts: this.#now() }))));
  }

  /**
   * Queue a board summary for `tinyedge/<id>/board` (published retained).
   *
   * @returns the sequence number, once on disk
   * @throws TypeError for a malformed summary; TinyEdgeError `E_CLOSED` after close
   */
  async publishBoard(summary: BoardSummaryInput): Promise<number> {
    this.#checkOpen();
    return this.#track(this.#queue.append('board', (env) => encode(buildBoardPayload(summary, { ...env, ts: this.#now() }))));
  }

  /**
   * Follow a power sampler (samples, batched every `powerBatchMs`) and a
   * model (one inference report per `inference:end`, joined with the energy
   * report of `sampler.meter(model)` when the sampler has one).
   *
   * @returns a function that stops following them (also done by `close()`)
   * @throws TypeError when `sampler` or `model` has no `on` method
   */
  attach(options: AttachOptions): () => void {
    this.#checkOpen();
    const detach = attachSources(options, {
      publishPower: (s, source) => this.publishPower(s, source),
      publishInference: (r) => this.publishInference(r),
      reportError: (err) => this.#report(err),
    }, { powerBatchMs: this.#o.powerBatchMs, energyWaitMs: this.#o.energyWaitMs });
    const once = (): void => {
      this.#detachers.delete(once);
      detach();
    };
    this.#detachers.add(once);
    return once;
  }

  /**
   * Wait until connected. A refused login (`E_MQTT_AUTH`) rejects at once;
   * the link itself keeps retrying either way.
   *
   * @param timeoutMs - give up after this long, ms. Default 10000.
   * @throws TinyEdgeError `E_MQTT_AUTH` when the broker refuses the credentials; on timeout the last
   *   connection error (`E_MQTT_CONNECT`), or `E_MQTT_CONNECT` saying nothing answered
   */
  async waitForConnection(timeoutMs = 10_000): Promise<void> {
    if (this.#connected) return;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: TinyEdgeError): void => {
        clearTimeout(timer);
        off();
        offError();
        if (err === undefined) resolve();
        else reject(err);
      };
      const off = this.#events.on('connect', () => done());
      const offError = this.#events.on('error', ({ error }) => {
        if (error.code === 'E_MQTT_AUTH') done(error);
      });
      const timer = setTimeout(() => done(this.#lastError ?? new TinyEdgeError('E_MQTT_CONNECT',
        `No connection to ${redact(this.#o.url)} within ${timeoutMs} ms.`, 'Check that the broker is running and reachable.')), timeoutMs);
    });
  }

  /**
   * Wait until every queued message has been acknowledged.
   *
   * @param timeoutMs - give up after this long, ms. Default 10000.
   * @returns true when the queue is empty, false on timeout
   */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    await Promise.allSettled([...this.#appends]);
    const deadline = performance.now() + timeoutMs;
    while (this.#queue.stats().pending > 0) {
      if (performance.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  /**
   * Stop following sources, publish what they had batched, wait up to
   * `drainMs` for the queue to empty while connected, publish status
   * `offline`, disconnect and close the queue. Messages still queued stay
   * on disk for the next link with the same queue directory.
   *
   * @param options - `drainMs` (default 2000)
   */
  close(options: { drainMs?: number } = {}): Promise<void> {
    this.#closed ??= this.#close(options.drainMs ?? 2000);
    return this.#closed;
  }

  async #close(drainMs: number): Promise<void> {
    // Attachments publish what they had batched, then nothing more is accepted.
    for (const detach of [...this.#detachers]) detach();
    this.#accepting = false;
    await Promise.allSettled([...this.#appends]);
    if (this.#connected) await this.flush(drainMs);
    this.#closing = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#stableTimer);
    clearTimeout(this.#announceTimer);
    const client = this.#client;
    if (client !== undefined) {
      if (this.#connected) {
        const offline = JSON.stringify(buildStatusPayload('offline', this.#session, this.#now()));
        await withTimeout(new Promise<void>((resolve) => client.publish(this.topics.status, offline, { qos: 1, retain: true }, () => resolve())), 2000);
        await withTimeout(new Promise<void>((resolve) => client.end(false, {}, () => resolve())), 2000);
      } else {
        client.end(true);
      }
    }
    this.#connected = false;
    this.#gen++;
    await this.#queue.close();
  }

  /** Same as {@link TelemetryLink.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal */
  start(): void {
    void this.#connect();
  }

  // ---- connection --------------------------------------------------------------------------

  async #connect(): Promise<void> {
    if (this.#closing) return;
    let session: number;
    try {
      session = await this.#queue.nextSession();
    } catch (err) {
      if (!this.#closing) this.#report(err);
      return;
    }
    // Loaded on first use: an app that never sends telemetry does not pay for the MQTT client.
    const { connect } = await import('mqtt');
    if (this.#closing) return;
    const gen = ++this.#gen;
    this.#session = session;
    const will = JSON.stringify(buildStatusPayload('offline', session, this.#now()));
    const version = this.#version;
    const mqttOptions: IClientOptions = {
      ...this.#o.mqtt,
      protocolVersion: version,
      will: { topic: this.topics.status, payload: Buffer.from(will), qos: 1, retain: true },
    };
    if (version === 5) mqttOptions.properties = { sessionExpiryInterval: 0 };
    const client = connect(this.#o.url, mqttOptions);
    this.#client = client;
    let handled = false;
    client.on('connect', (connack) => {
      if (gen !== this.#gen) return;
      this.#connected = true;
      this.#connects++;
      this.#inflight = 0;
      const receiveMaximum = connack.properties?.receiveMaximum;
      this.#inflightLimit = Math.max(1, Math.min(this.#o.maxInflight, receiveMaximum ?? Infinity));
      clearTimeout(this.#stableTimer);
      this.#stableTimer = setTimeout(() => (this.#attempt = 0), this.#o.reconnect.resetAfterMs);
      this.#stableTimer.unref();
      const online = JSON.stringify(buildStatusPayload('online', session, this.#now()));
      client.publish(this.topics.status, online, { qos: 1, retain: true }, () => undefined);
      if (this.#o.homeAssistant !== undefined) {
        client.subscribe(HA_STATUS_TOPIC, { qos: 1 }, () => undefined);
        this.#announce(client);
      }
      this.#events.emit('connect', { session });
      this.#pump();
    });
    client.on('message', (topic, payload) => {
      if (gen !== this.#gen || topic !== HA_STATUS_TOPIC || payload.toString('utf8').trim() !== 'online') return;
      // Home Assistant restarted: announce again, after a random delay so that many devices do not all answer at once.
      clearTimeout(this.#announceTimer);
      this.#announceTimer = setTimeout(() => this.#announce(client), Math.random() * (this.#o.homeAssistant?.announceDelayMs ?? 1000));
      this.#announceTimer.unref();
    });
    client.on('error', (err) => {
      if (gen !== this.#gen || this.#closing) return;
      const code = (err as { code?: unknown }).code;
      if (version === 5 && !this.#o.versionExplicit && (code === 1 || code === 0x84)) {
        // An MQTT 3.1.1 broker: speak 3.1.1 from now on, and retry at once.
        this.#version = 4;
        this.#retryNow = true;
        return;
      }
      this.#report(describeMqttError(err, this.#o.url));
    });
    client.on('close', () => {
      if (handled || gen !== this.#gen) return;
      handled = true;
      const wasConnected = this.#connected;
      this.#connected = false;
      this.#inflight = 0;
      this.#queue.release();
      clearTimeout(this.#stableTimer);
      client.end(true);
      if (this.#closing) return;
      if (wasConnected) this.#events.emit('offline', { session });
      if (this.#retryNow) {
        this.#retryNow = false;
        void this.#connect();
        return;
      }
      const delayMs = reconnectDelay(this.#attempt, this.#o.reconnect);
      this.#events.emit('reconnecting', { attempt: ++this.#attempt, delayMs });
      this.#retryTimer = setTimeout(() => void this.#connect(), delayMs);
    });
  }

  #announce(client: MqttClient): void {
    if (!this.#connected || client !== this.#client) return;
    const ha = this.#o.homeAssistant!;
    for (const m of homeAssistantDiscovery(this.deviceId, this.topics, ha)) {
      client.publish(m.topic, JSON.stringify(m.payload), { qos: 1, retain: true }, () => undefined);
    }
  }

  /** Publish queued messages in order while connected and below the in-flight limit. */
  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    void (async () => {
      try {
        do {
          this.#pumpAgain = false;
          while (this.#connected && !this.#closingQueue() && this.#inflight < this.#inflightLimit) {
            const gen = this.#gen;
            const client = this.#client!;
            const batch = await this.#queue.take(this.#inflightLimit - this.#inflight);
            if (batch.length === 0) break;
            if (gen !== this.#gen || !this.#connected) {
              this.#queue.release(); // the connection went while we were reading
              break;
            }
            for (const m of batch) this.#send(client, gen, m);
          }
        } while (this.#pumpAgain && this.#connected);
      } catch (err) {
        if (!this.#closingQueue()) this.#report(err);
      } finally {
        this.#pumping = false;
      }
    })();
  }

  #send(client: MqttClient, gen: number, m: QueuedMessage): void {
    this.#inflight++;
    const topic = this.topics[m.kind as TelemetryDataTopic];
    client.publish(topic, m.payload, { qos: 1, retain: m.kind === 'board' }, (err) => {
      if (gen === this.#gen) this.#inflight = Math.max(0, this.#inflight - 1);
      if (err === undefined || err === null) {
        this.#queue.ack(m.seq);
        this.#acked++;
      } else if (typeof (err as { code?: unknown }).code === 'number') {
        // The broker received it and refused it (MQTT 5 PUBACK reason code): resending cannot help.
        this.#queue.ack(m.seq);
        this.#rejected++;
        this.#report(new TinyEdgeError('E_MQTT_CONNECT', `The broker refused message ${m.seq} on ${topic}: ${err.message}.`,
          'Check the broker\'s ACL: the device must be allowed to publish under tinyedge/<deviceId>/.', { cause: err }));
      } else {
        return; // connection lost: the message stays queued and is sent again after reconnecting
      }
      if (gen === this.#gen) this.#pump();
    });
  }

  #closingQueue(): boolean {
    return this.#closing;
  }

  #report(err: unknown): void {
    const error = err instanceof TinyEdgeError ? err
      : new TinyEdgeError('E_IO', `Telemetry failed: ${(err as Error)?.message ?? String(err)}.`, 'See the cause; the link keeps running.', { cause: err });
    if (error.code === 'E_MQTT_AUTH' || error.code === 'E_MQTT_CONNECT') this.#lastError = error;
    this.#events.emit('error', { error });
  }

  #checkOpen(): void {
    if (!this.#accepting) throw new TinyEdgeError('E_CLOSED', 'The telemetry link is closed.', 'Call connectTelemetry again.');
  }

  #now(): number {
    return Math.round(this.#o.now());
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#appends.add(p);
    const forget = (): void => void this.#appends.delete(p);
    p.then(forget, forget);
    return p;
  }
}

function encode(payload: object): Buffer {
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

async function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** The URL without credentials, for messages and logs; `(invalid URL)` when it does not parse. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

/** Where the queue lives when no `queueDir` is given. */
export function defaultQueueDir(deviceId: string): string {
  const state = process.env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state');
  return join(state, 'tinyedge', 'telemetry', deviceId);
}

function resolveOptions(options: TelemetryOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('connectTelemetry takes an options object');
  const topics = telemetryTopics(options.deviceId); // checks the device id
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new TypeError(`url must be an mqtt:// or mqtts:// URL, found ${JSON.stringify(String(options.url).slice(0, 200))}`);
  }
  if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') throw new TypeError(`url must be an mqtt:// or mqtts:// URL, found ${url.protocol}//`);
  if (options.tls !== undefined && url.protocol !== 'mqtts:') throw new TypeError('tls options need an mqtts:// URL');
  const protocolVersion = options.protocolVersion ?? 5;
  if (protocolVersion !== 4 && protocolVersion !== 5) throw new TypeError(`protocolVersion must be 5 (MQTT 5) or 4 (MQTT 3.1.1), found ${String(protocolVersion)}`);
  const keepalive = options.keepaliveSeconds ?? 30;
  if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65535) throw new RangeError(`keepaliveSeconds must be an integer from 0 to 65535, found ${keepalive}`);
  const positive = (name: string, v: number | undefined, d: number): number => {
    const value = v ?? d;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, found ${String(value)}`);
    return value;
  };
  const connectTimeout = positive('connectTimeoutMs', options.connectTimeoutMs, 10_000);
  const maxInflight = positive('maxInflight', options.maxInflight, 20);
  if (!Number.isInteger(maxInflight) || maxInflight > 65535) throw new RangeError(`maxInflight must be an integer up to 65535, found ${maxInflight}`);
  for (const k of ['username', 'password', 'clientId'] as const) {
    if (options[k] !== undefined && typeof options[k] !== 'string') throw new TypeError(`${k} must be a string`);
  }
  const tls = options.tls ?? {};
  const homeAssistant = options.homeAssistant === true ? {} : options.homeAssistant === false || options.homeAssistant === undefined ? undefined : options.homeAssistant;
  if (homeAssistant !== undefined) homeAssistantDiscovery(options.deviceId, topics, homeAssistant); // checks the options
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError('now must be a function returning ms since the Unix epoch');
  return {
    url: options.url,
    deviceId: options.deviceId,
    queueDir: options.queueDir ?? defaultQueueDir(options.deviceId),
    protocolVersion,
    versionExplicit: options.protocolVersion !== undefined,
    reconnect: resolveReconnectOptions(options.reconnect),
    maxInflight,
    powerBatchMs: positive('powerBatchMs', options.powerBatchMs, 1000),
    energyWaitMs: positive('energyWaitMs', options.energyWaitMs, 2000),
    homeAssistant,
    now,
    mqtt: {
      protocolVersion,
      clientId: options.clientId ?? `tinyedge-${options.deviceId}`,
      clean: true,
      keepalive,
      connectTimeout,
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: false,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(tls.cert === undefined ? {} : { cert: tls.cert }),
      ...(tls.key === undefined ? {} : { key: tls.key }),
      ...(tls.servername === undefined ? {} : { servername: tls.servername }),
      rejectUnauthorized: tls.rejectUnauthorized ?? true,
    },
  };
}
