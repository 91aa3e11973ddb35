import type { SerialLink } from 'tinyedge';

/**
 * What the controller protocol needs from a serial line: write bytes, hear
 * bytes. A tinyedge `SerialLink` (which reconnects when the device comes
 * back) fits through {@link channelFromSerialLink}; the demo falls back to
 * {@link createMemoryLine} on a machine without `socat`.
 */
export interface ByteChannel {
  /** Writes bytes; resolves once they were handed to the OS. */
  write(bytes: Uint8Array): Promise<void>;
  /** Calls `listener` with every chunk read; returns a function that unsubscribes. */
  onData(listener: (chunk: Uint8Array) => void): () => void;
}

/** Adapts a tinyedge `SerialLink` (raw framing). */
export function channelFromSerialLink(link: SerialLink<'raw'>): ByteChannel {
  return {
    write: (bytes) => link.write(bytes),
    onData: (listener) => link.on('data', listener),
  };
}

/**
 * Two ends of an in-memory line: what one end writes, the other hears, on a
 * later tick like a real port. For demos on machines without a serial
 * device or `socat`; the tests use real pseudo-terminals.
 */
export function createMemoryLine(): [ByteChannel, ByteChannel] {
  const listeners: [Set<(chunk: Uint8Array) => void>, Set<(chunk: Uint8Array) => void>] = [new Set(), new Set()];
  const end = (mine: 0 | 1): ByteChannel => ({
    async write(bytes) {
      const copy = bytes.slice();
      setImmediate(() => {
        for (const listener of listeners[1 - mine]!) listener(copy);
      });
    },
    onData(listener) {
      listeners[mine].add(listener);
      return () => listeners[mine].delete(listener);
    },
  });
  return [end(0), end(1)];
}
