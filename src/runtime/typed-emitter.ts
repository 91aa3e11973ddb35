/** A listener for event `K` of an event map `E`. */
export type Listener<E, K extends keyof E> = (payload: E[K]) => void;

/**
 * A minimal, typed event emitter: one payload object per event, listeners
 * called in the order they were added. A listener that throws does not stop
 * the others or the emitter's owner; its error is re-thrown on a later
 * microtask, where the process's usual uncaught-error handling sees it (the
 * same contract as `EventTarget`).
 *
 * @typeParam E - map from event name to payload type
 * @example
 * ```ts
 * const events = new TypedEmitter<{ tick: { n: number } }>();
 * const off = events.on('tick', ({ n }) => console.log(n));
 * events.emit('tick', { n: 1 });
 * off();
 * ```
 */
export class TypedEmitter<E extends object> {
  readonly #listeners = new Map<keyof E, Set<(payload: never) => void>>();

  /**
   * Add a listener.
   *
   * @returns a function that removes it
   */
  on<K extends keyof E>(event: K, listener: Listener<E, K>): () => void {
    if (typeof listener !== 'function') throw new TypeError(`listener for "${String(event)}" must be a function`);
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => this.off(event, listener);
  }

  /**
   * Add a listener that is removed after its first call.
   *
   * @returns a function that removes it before it fires
   */
  once<K extends keyof E>(event: K, listener: Listener<E, K>): () => void {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  /** Remove a listener added with {@link TypedEmitter.on}; unknown listeners are ignored. */
  off<K extends keyof E>(event: K, listener: Listener<E, K>): void {
    this.#listeners.get(event)?.delete(listener as (payload: never) => void);
  }

  /** Number of listeners for `event`. */
  listenerCount(event: keyof E): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /**
   * Call every listener of `event` with `payload`.
   *
   * @returns true when there was at least one listener
   */
  emit<K extends keyof E>(event: K, payload: E[K]): boolean {
    const set = this.#listeners.get(event);
    if (set === undefined || set.size === 0) return false;
    for (const listener of [...set]) {
      try {
        (listener as Listener<E, K>)(payload);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
    return true;
  }
}
