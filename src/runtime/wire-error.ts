import { TinyEdgeError } from '../errors.js';
import type { TinyEdgeErrorCode } from '../errors.js';
import type { WireError } from './worker-protocol.js';

/**
 * Flatten an error so it can cross a thread boundary; a TinyEdgeError keeps
 * its code and hint.
 *
 * @example
 * ```ts
 * parentPort.postMessage({ type: 'failed', id, error: toWireError(err) });
 * ```
 */
export function toWireError(err: unknown): WireError {
  const stack = err instanceof Error && err.stack !== undefined ? { stack: err.stack } : {};
  if (err instanceof TinyEdgeError) return { name: err.name, message: err.message, code: err.code, hint: err.hint, ...stack };
  if (err instanceof Error) return { name: err.name, message: err.message, ...stack };
  return { name: 'Error', message: String(err) };
}

/**
 * Rebuild an error that came from the worker. A TinyEdgeError keeps its code;
 * anything else (arguments were checked before they were sent) is a fault of
 * the inference and becomes `E_INFERENCE`, so callers only ever see errors the
 * API documents.
 *
 * @example
 * ```ts
 * reject(fromWireError(message.error));
 * ```
 */
export function fromWireError(wire: WireError): Error {
  let err: Error;
  if (wire.code !== undefined) {
    err = new TinyEdgeError(wire.code as TinyEdgeErrorCode, wire.message, wire.hint ?? '');
  } else {
    err = new TinyEdgeError('E_INFERENCE', `the inference worker failed: ${wire.message}`, 'This is likely a bug in tinyedge or a damaged model; TINYEDGE_DEBUG=1 prints the worker stack.');
  }
  if (wire.stack !== undefined && process.env['TINYEDGE_DEBUG']) err.stack = `${err.stack ?? ''}\n  -- in the inference worker --\n${wire.stack}`;
  return err;
}
