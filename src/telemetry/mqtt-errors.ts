import { TinyEdgeError } from '../errors.js';

/** CONNACK codes that mean the credentials were refused: MQTT 3.1.1 (4, 5) and MQTT 5 (0x86, 0x87, 0x8c). */
const AUTH_CODES = new Set([4, 5, 0x86, 0x87, 0x8c]);
/** CONNACK codes that mean the broker does not speak the requested protocol version. */
const VERSION_CODES = new Set([1, 0x84]);

/**
 * Map an MQTT.js or socket error to a {@link TinyEdgeError} with a hint:
 * `E_MQTT_AUTH` for refused credentials, `E_MQTT_CONNECT` for everything
 * else that stops a connection (unreachable broker, TLS, protocol version).
 *
 * @param err - what MQTT.js emitted
 * @param url - the broker URL (credentials are never echoed)
 * @internal
 */
export function describeMqttError(err: unknown, url: string): TinyEdgeError {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = e?.code;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const where = hostOf(url);
  if (typeof code === 'number' && AUTH_CODES.has(code)) {
    return new TinyEdgeError('E_MQTT_AUTH', `The broker at ${where} refused the connection: ${message}.`,
      'Check the username and password (or client certificate) and the broker\'s ACL.', { cause: err });
  }
  if (typeof code === 'number' && VERSION_CODES.has(code)) {
    return new TinyEdgeError('E_MQTT_CONNECT', `The broker at ${where} does not accept this MQTT version: ${message}.`,
      'Use MQTT 3.1.1 for this broker (protocolVersion: 4, or --mqtt-version 3.1.1).', { cause: err });
  }
  if (typeof code === 'string' && (/^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/.test(code) || code === 'EPROTO')) {
    return new TinyEdgeError('E_MQTT_CONNECT', `TLS with the broker at ${where} failed: ${message}.`,
      'Check the CA certificate (it must have signed the broker\'s certificate), the host name, and the client certificate and key.', { cause: err });
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT' || code === 'EAI_AGAIN') {
    return new TinyEdgeError('E_MQTT_CONNECT', `Cannot reach the broker at ${where} (${code}).`,
      'Check that the broker is running and the host and port are right; messages wait in the queue meanwhile.', { cause: err });
  }
  return new TinyEdgeError('E_MQTT_CONNECT', `The connection to the broker at ${where} failed: ${message}.`,
    'Check the broker URL and the broker\'s log; the link keeps retrying.', { cause: err });
}

function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid URL)';
  }
}
