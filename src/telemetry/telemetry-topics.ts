/** Device ids: letters, digits, `_` and `-`, 1 to 64 characters (safe in MQTT topics and Home Assistant object ids). */
export const DEVICE_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const DEVICE_ID_RE = new RegExp(DEVICE_ID_PATTERN);

/** The topic root every tinyedge device publishes under. */
export const TOPIC_ROOT = 'tinyedge';

/** The MQTT topics of one device, all under `tinyedge/<deviceId>/`. */
export interface TelemetryTopics {
  /** `tinyedge/<deviceId>/status`: retained `online`, and the will `offline`. */
  status: string;
  /** `tinyedge/<deviceId>/power`: batched power samples. */
  power: string;
  /** `tinyedge/<deviceId>/inference`: one report per inference. */
  inference: string;
  /** `tinyedge/<deviceId>/board`: retained board summary. */
  board: string;
}

/**
 * The topics of device `deviceId`.
 *
 * @param deviceId - letters, digits, `_` and `-`, 1 to 64 characters
 * @returns the device's four topics
 * @throws TypeError when `deviceId` is not a valid device id
 * @example
 * ```ts
 * telemetryTopics('fridge-01').power; // 'tinyedge/fridge-01/power'
 * ```
 */
export function telemetryTopics(deviceId: string): TelemetryTopics {
  checkDeviceId(deviceId);
  const base = `${TOPIC_ROOT}/${deviceId}`;
  return { status: `${base}/status`, power: `${base}/power`, inference: `${base}/inference`, board: `${base}/board` };
}

/**
 * Throws unless `deviceId` matches {@link DEVICE_ID_PATTERN}.
 *
 * @throws TypeError naming what was found
 */
export function checkDeviceId(deviceId: unknown): asserts deviceId is string {
  if (typeof deviceId !== 'string' || !DEVICE_ID_RE.test(deviceId)) {
    const found = typeof deviceId === 'string' ? JSON.stringify(deviceId.slice(0, 80)) : typeof deviceId;
    throw new TypeError(`deviceId must be 1 to 64 letters, digits, "_" or "-" (it becomes an MQTT topic level), found ${found}`);
  }
}
