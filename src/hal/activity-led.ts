import { TinyEdgeError } from '../errors.js';
import type { ModelEvents } from '../runtime/model-events.js';
import type { Listener } from '../runtime/typed-emitter.js';
import type { BoardProfile } from './board-profile.js';
import type { BoardSensors } from './board-sensors.js';
import type { LedState } from './leds.js';

/** Anything that emits a `Model`'s inference events (a `Model` does). */
export interface InferenceEventSource {
  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof ModelEvents>(event: K, listener: Listener<ModelEvents, K>): () => void;
}

/** Options of {@link blinkWhileInferring}. */
export interface BlinkWhileInferringOptions {
  /** The board's sensors: `createBoardSensors()` on hardware, a simulated board in tests. */
  sensors: BoardSensors;
  /** The LED to blink. Default: the profile's first `activity` LED that exists, else `ACT` or `led0`. */
  led?: string;
  /** Profile whose `leds` name the activity LED. */
  board?: BoardProfile;
  /** Half a blink period, ms: how long the LED stays on, then off. Default 100. */
  intervalMs?: number;
  /** Called when a write fails while blinking (the blinker then stops blinking until the next inference). */
  onError?: (error: unknown) => void;
}

/** A running activity blinker; see {@link blinkWhileInferring}. */
export interface ActivityBlinker {
  /** The LED it blinks. */
  readonly led: string;
  /** Stops listening, and puts the LED's trigger and brightness back as they were. */
  close(): Promise<void>;
  /** Same as {@link ActivityBlinker.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

const FALLBACK_NAMES = ['ACT', 'led0'];

/**
 * Blinks an LED (the board's activity LED by default) while a model
 * infers: from each `inference:start` until the matching `inference:end`,
 * with overlapping generations counted. Between inferences the LED gets
 * its own trigger and brightness back (e.g. `mmc0`, SD-card activity, on a
 * Raspberry Pi).
 *
 * @param model - a `Model`, or anything with its `on()` for inference events
 * @param options - sensors, LED, interval
 * @returns the blinker; `close()` it when done
 * @throws RangeError for an `intervalMs` below 10
 * @throws TinyEdgeError `E_NOT_FOUND` when there is no such LED (or no activity LED), `E_PERMISSION`
 *   when the LED cannot be written (the hint says how to allow it)
 * @example
 * ```ts
 * const board = await detectBoard();
 * await using blinker = await blinkWhileInferring(model, { sensors: createBoardSensors(), board: board.profile });
 * await model.generate('Hello', { maxTokens: 32 }).result; // ACT blinks meanwhile
 * ```
 */
export async function blinkWhileInferring(model: InferenceEventSource, options: BlinkWhileInferringOptions): Promise<ActivityBlinker> {
  if (typeof model?.on !== 'function') throw new TypeError('model must emit inference events (a Model from loadModel)');
  const { sensors } = options;
  if (typeof sensors?.setLed !== 'function') throw new TypeError('sensors must be BoardSensors (createBoardSensors() or a simulated board)');
  const intervalMs = options.intervalMs ?? 100;
  if (!Number.isFinite(intervalMs) || intervalMs < 10) throw new RangeError(`intervalMs must be at least 10, found ${intervalMs}`);

  const leds = await sensors.readLeds();
  const led = pickLed(leds, options);
  const saved = leds.find((l) => l.name === led) as LedState;
  // Fail now, not mid-inference, when the LED is not writable: re-select the trigger it already has.
  await sensors.setLed(led, { trigger: saved.trigger ?? 'none' });

  const active = new Set<number>();
  let timer: NodeJS.Timeout | undefined;
  let on = false;
  let chain: Promise<void> = Promise.resolve();
  const write = (change: Parameters<BoardSensors['setLed']>[1]): void => {
    chain = chain.then(() => sensors.setLed(led, change)).catch((err: unknown) => {
      stopTimer();
      options.onError?.(err);
    });
  };
  const stopTimer = (): void => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  const restore = (): void => {
    stopTimer();
    on = false;
    write(saved.trigger === null || saved.trigger === 'none'
      ? { trigger: 'none', brightness: saved.brightness }
      : { trigger: saved.trigger });
  };

  const offStart = model.on('inference:start', (e) => {
    active.add(e.requestId);
    if (active.size > 1) return;
    on = true;
    write({ trigger: 'none', brightness: saved.maxBrightness });
    timer = setInterval(() => {
      on = !on;
      write({ brightness: on ? saved.maxBrightness : 0 });
    }, intervalMs);
    timer.unref();
  });
  const offEnd = model.on('inference:end', (e) => {
    if (!active.delete(e.requestId) || active.size > 0) return;
    restore();
  });

  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      offStart();
      offEnd();
      if (active.size > 0) {
        active.clear();
        restore();
      }
    }
    await chain;
  };
  return { led, close, [Symbol.asyncDispose]: close };
}

function pickLed(leds: LedState[], options: BlinkWhileInferringOptions): string {
  const present = new Set(leds.map((l) => l.name));
  if (options.led !== undefined) {
    if (!present.has(options.led)) {
      throw new TinyEdgeError('E_NOT_FOUND', `There is no LED named ${JSON.stringify(options.led)}.`,
        `LEDs here: ${[...present].join(', ') || 'none'}.`);
    }
    return options.led;
  }
  const candidates = [
    ...(options.board?.leds.filter((l) => l.role === 'activity').map((l) => l.name) ?? []),
    ...FALLBACK_NAMES,
  ];
  const led = candidates.find((name) => present.has(name));
  if (led === undefined) {
    throw new TinyEdgeError('E_NOT_FOUND', 'This board has no activity LED that tinyedge knows of.',
      `Pass { led: name } with one of: ${[...present].join(', ') || '(no LEDs under /sys/class/leds)'}.`);
  }
  return led;
}
