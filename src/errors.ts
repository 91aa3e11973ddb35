/**
 * Stable error codes. A code never changes meaning once released, so scripts
 * may switch on it.
 */
export type TinyEdgeErrorCode =
  | 'E_MODEL_FORMAT'
  | 'E_MODEL_UNSUPPORTED'
  | 'E_CHECKPOINT_FORMAT'
  | 'E_CHECKPOINT_TRUNCATED'
  | 'E_TOKENIZER_FORMAT'
  | 'E_TOKENIZER_MISMATCH'
  | 'E_BUNDLE_MANIFEST'
  | 'E_BUNDLE_HASH'
  | 'E_NOT_FOUND'
  | 'E_NETWORK_REFUSED'
  | 'E_CONTEXT_OVERFLOW'
  | 'E_BACKEND_UNAVAILABLE'
  | 'E_INFERENCE'
  | 'E_CLOSED'
  | 'E_ABORTED'
  | 'E_IO'
  | 'E_ACTION_INVALID'
  | 'E_PERMISSION'
  | 'E_SENSOR'
  | 'E_DEPLOY'
  | 'E_HEALTH_CHECK'
  | 'E_DISCONNECTED'
  | 'E_BOARD_PROFILE'
  | 'E_BOARD_UNKNOWN'
  | 'E_MQTT_CONNECT'
  | 'E_MQTT_AUTH'
  | 'E_QUEUE_LOCKED'
  | 'E_QUEUE_CORRUPT'
  | 'E_TRAIN_CONFIG'
  | 'E_CORPUS_FORMAT'
  | 'E_TRAIN_CHECKPOINT';

/**
 * The one error class for everything the world does to tinyedge: bad files,
 * missing paths, refused network locations, a closed model. Wrong arguments
 * from the caller are `TypeError` or `RangeError` instead.
 *
 * @example
 * ```ts
 * try {
 *   await loadModel('./no-such-bundle');
 * } catch (err) {
 *   if (err instanceof TinyEdgeError && err.code === 'E_NOT_FOUND') console.error(err.hint);
 * }
 * ```
 */
export class TinyEdgeError extends Error {
  /** Stable, machine-readable code such as `E_BUNDLE_HASH`. */
  readonly code: TinyEdgeErrorCode;
  /** One sentence telling the user what to do about it. */
  readonly hint: string;

  /**
   * @param code - stable code, see {@link TinyEdgeErrorCode}
   * @param message - what was expected and what was found
   * @param hint - what the user can do about it
   * @param options - `cause`, the underlying error if any
   */
  constructor(code: TinyEdgeErrorCode, message: string, hint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TinyEdgeError';
    this.code = code;
    this.hint = hint;
  }

  /** `code: message (hint)`, as the CLI prints it. */
  override toString(): string {
    return `${this.code}: ${this.message}\n  hint: ${this.hint}`;
  }
}

/** True when `err` is a {@link TinyEdgeError}, optionally with the given code. */
export function isTinyEdgeError(err: unknown, code?: TinyEdgeErrorCode): err is TinyEdgeError {
  return err instanceof TinyEdgeError && (code === undefined || err.code === code);
}
