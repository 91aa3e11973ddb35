import { randomBytes } from 'node:crypto';

/** What {@link checkMqttBroker} found. */
export interface MqttBrokerCheck {
  /** True when the broker accepted the connection (CONNACK with success). */
  ok: boolean;
  /** `connected`, `refused` (nothing listens), `not-found` (unknown host), `timeout`, `rejected` (the broker said no: credentials, client id, protocol) or `error`. */
  outcome: 'connected' | 'refused' | 'not-found' | 'timeout' | 'rejected' | 'error';
  /** One line on what happened. */
  detail: string;
  /** From the start to the answer, ms. */
  elapsedMs: number;
  /** The URL without user name and password, safe to print. */
  url: string;
}

const PROTOCOLS = new Set(['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:']);

/**
 * The broker URL without credentials, for messages; throws RangeError when
 * it is not an MQTT URL.
 */
export function redactBrokerUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`expected an MQTT URL such as mqtt://broker.local:1883, found ${JSON.stringify(url)}`);
  }
  if (!PROTOCOLS.has(parsed.protocol)) {
    throw new RangeError(`expected an mqtt://, mqtts://, ws:// or wss:// URL, found ${JSON.stringify(parsed.protocol)}`);
  }
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}

/**
 * Connect to an MQTT broker once, wait for its CONNACK, and disconnect:
 * the check behind `tinyedge doctor --url`. No retries, no subscriptions,
 * nothing published. Credentials may be given in the URL
 * (`mqtt://user:pass@host`); they never appear in the result.
 *
 * @param url - `mqtt://`, `mqtts://`, `ws://` or `wss://` URL of the broker
 * @param timeoutMs - give up after this many ms. Default 3000.
 * @returns what happened; never throws for anything the network does
 * @throws RangeError for a URL that is not an MQTT URL, or a non-positive timeout
 * @example
 * ```ts
 * const check = await checkMqttBroker('mqtt://127.0.0.1:1883');
 * if (!check.ok) console.error(check.outcome, check.detail);
 * ```
 */
export async function checkMqttBroker(url: string, timeoutMs = 3000): Promise<MqttBrokerCheck> {
  const shown = redactBrokerUrl(url);
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, found ${String(timeoutMs)}`);
  const { connect } = await import('mqtt');
  const t0 = performance.now();
  const elapsed = (): number => Math.round(performance.now() - t0);
  return await new Promise<MqttBrokerCheck>((resolve) => {
    const client = connect(url, {
      clientId: `tinyedge-doctor-${randomBytes(4).toString('hex')}`,
      clean: true,
      connectTimeout: timeoutMs,
      reconnectPeriod: 0,
      resubscribe: false,
    });
    let settled = false;
    const finish = (result: Omit<MqttBrokerCheck, 'elapsedMs' | 'url'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const done = { ...result, elapsedMs: elapsed(), url: shown };
      client.end(true, {}, () => resolve(done));
    };
    // Our own deadline as well: MQTT.js's connectTimeout only covers the wait for CONNACK.
    const timer = setTimeout(() => finish({ ok: false, outcome: 'timeout', detail: `no answer from ${shown} within ${timeoutMs} ms` }), timeoutMs + 250);
    client.on('connect', () => finish({ ok: true, outcome: 'connected', detail: `${shown} accepted the connection` }));
    client.on('error', (err: Error & { code?: string | number }) => {
      const code = err.code;
      if (code === 'ECONNREFUSED') return finish({ ok: false, outcome: 'refused', detail: `nothing is listening at ${shown} (connection refused)` });
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return finish({ ok: false, outcome: 'not-found', detail: `cannot resolve the host of ${shown} (${code})` });
      if (/connack timeout/i.test(err.message)) return finish({ ok: false, outcome: 'timeout', detail: `${shown} accepted a connection but sent no CONNACK within ${timeoutMs} ms` });
      if (typeof code === 'number') return finish({ ok: false, outcome: 'rejected', detail: `${shown} refused the client: ${err.message} (return code ${code})` });
      finish({ ok: false, outcome: 'error', detail: `${shown}: ${err.message}` });
    });
    client.on('close', () => {
      if (!settled) finish({ ok: false, outcome: 'timeout', detail: `${shown} closed the connection without accepting it within ${timeoutMs} ms` });
    });
  });
}
