/**
 * How the telemetry link retries a lost or refused connection: exponential
 * backoff with jitter, instead of MQTT.js's fixed 1 s interval.
 */
export interface ReconnectOptions {
  /** Delay before the first retry, ms. Default 500. */
  initialDelayMs?: number;
  /** Longest delay, ms. Default 30000. */
  maxDelayMs?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
  /** Share of the delay that is random, 0..1: the delay is drawn from [(1 - jitter) * d, d]. Default 0.5. */
  jitter?: number;
  /** A connection that stayed up this long resets the backoff to `initialDelayMs`, ms. Default 10000. */
  resetAfterMs?: number;
}

/** {@link ReconnectOptions} with every default filled in. */
export type ResolvedReconnectOptions = Required<ReconnectOptions>;

/**
 * Fill in defaults and check ranges.
 *
 * @throws RangeError for a negative, non-finite or inconsistent value
 */
export function resolveReconnectOptions(options: ReconnectOptions = {}): ResolvedReconnectOptions {
  const r = {
    initialDelayMs: options.initialDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    factor: options.factor ?? 2,
    jitter: options.jitter ?? 0.5,
    resetAfterMs: options.resetAfterMs ?? 10_000,
  };
  for (const [k, v] of Object.entries(r)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`reconnect.${k} must be a non-negative number, found ${String(v)}`);
  }
  if (r.initialDelayMs <= 0 || r.maxDelayMs < r.initialDelayMs) throw new RangeError('reconnect delays must satisfy 0 < initialDelayMs <= maxDelayMs');
  if (r.factor < 1) throw new RangeError(`reconnect.factor must be at least 1, found ${r.factor}`);
  if (r.jitter > 1) throw new RangeError(`reconnect.jitter must be between 0 and 1, found ${r.jitter}`);
  return r;
}

/**
 * The delay before retry number `attempt` (0 for the first retry):
 * `min(maxDelayMs, initialDelayMs * factor^attempt)`, minus a random share
 * of up to `jitter` of it, so that many devices that lost the same broker
 * do not all come back at the same instant.
 *
 * @param attempt - failed attempts so far, 0-based
 * @param options - resolved options
 * @param random - a source of numbers in [0, 1), default `Math.random`
 * @returns the delay, ms
 * @example
 * ```ts
 * reconnectDelay(3, resolveReconnectOptions(), () => 0); // 4000
 * ```
 */
export function reconnectDelay(attempt: number, options: ResolvedReconnectOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** Math.max(0, attempt));
  return Math.round(ceiling * (1 - options.jitter * random()));
}
