import { EventEmitter } from 'node:events';
import type { ByteChannel } from './byte-channel.js';
import {
  decodeTenths,
  encodeFrame,
  encodeTenths,
  FrameDecoder,
  MessageType,
  MODES,
  NackReason,
  ZONES,
} from './protocol.js';
import type { Frame, Mode, Zone } from './protocol.js';

/** Why a controller request failed. */
export type ControllerErrorCode = 'E_CONTROLLER_TIMEOUT' | 'E_CONTROLLER_REFUSED' | 'E_CONTROLLER_CLOSED';

/** A request the controller did not acknowledge, or refused. */
export class ControllerError extends Error {
  constructor(
    readonly code: ControllerErrorCode,
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'ControllerError';
  }
}

/** Retry policy for requests. */
export interface RetryOptions {
  /** How long to wait for an ack before sending again, ms. Default 200. */
  timeoutMs?: number;
  /** Sends after the first before giving up. Default 3. */
  retries?: number;
}

/** Counters a caller can show or test. */
export interface LinkStats {
  sent: number;
  retransmits: number;
  acks: number;
  timeouts: number;
  corruptFrames: number;
}

interface Pending {
  resolve(frame: Frame): void;
  reject(err: Error): void;
}

/**
 * The app's side of the controller protocol: request/ack with a sequence
 * number, retries on timeout, and temperature reports as events.
 *
 * A retried request carries the same sequence number, so a controller whose
 * ack was lost applies it once and acks again.
 */
export class ControllerLink extends EventEmitter<{ temperature: [zone: Zone, celsius: number] }> {
  readonly #channel: ByteChannel;
  readonly #decoder = new FrameDecoder();
  readonly #pending = new Map<number, Pending>();
  readonly #unsubscribe: () => void;
  readonly #retry: Required<RetryOptions>;
  #seq = 0;
  #closed = false;
  readonly #stats = { sent: 0, retransmits: 0, acks: 0, timeouts: 0 };

  constructor(channel: ByteChannel, retry: RetryOptions = {}) {
    super();
    this.#channel = channel;
    this.#retry = { timeoutMs: retry.timeoutMs ?? 200, retries: retry.retries ?? 3 };
    this.#unsubscribe = channel.onData((chunk) => this.#receive(chunk));
  }

  /** Sets a zone's target temperature. */
  async setTemperature(zone: Zone, celsius: number): Promise<void> {
    await this.#request(MessageType.setTemperature, Uint8Array.of(ZONES.indexOf(zone), ...encodeTenths(celsius)));
  }

  /** Switches the fridge's mode. */
  async setMode(mode: Mode): Promise<void> {
    await this.#request(MessageType.setMode, Uint8Array.of(MODES.indexOf(mode)));
  }

  /** Reads a zone's current temperature, °C. */
  async readTemperature(zone: Zone): Promise<number> {
    const ack = await this.#request(MessageType.getTemperature, Uint8Array.of(ZONES.indexOf(zone)));
    return decodeTenths(ack.payload, 2); // status, zone, tenths
  }

  /** Round trip to the controller, ms. */
  async ping(): Promise<number> {
    const started = performance.now();
    await this.#request(MessageType.ping, new Uint8Array(0));
    return performance.now() - started;
  }

  /** Counters since the link was made. */
  get stats(): LinkStats {
    return { ...this.#stats, corruptFrames: this.#decoder.corruptFrames };
  }

  /** Stops listening; pending requests fail with `E_CONTROLLER_CLOSED`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    for (const pending of this.#pending.values()) {
      pending.reject(new ControllerError('E_CONTROLLER_CLOSED', 'the controller link was closed', 'Open a new link.'));
    }
    this.#pending.clear();
  }

  async #request(type: number, payload: Uint8Array): Promise<Frame> {
    if (this.#closed) throw new ControllerError('E_CONTROLLER_CLOSED', 'the controller link is closed', 'Open a new link.');
    this.#seq = (this.#seq + 1) & 0xff;
    const seq = this.#seq;
    const bytes = encodeFrame({ type, seq, payload });
    for (let attempt = 0; attempt <= this.#retry.retries; attempt++) {
      if (attempt > 0) this.#stats.retransmits++;
      this.#stats.sent++;
      const reply = this.#awaitReply(seq);
      try {
        await this.#channel.write(bytes);
      } catch {
        // The line is down (device unplugged); treat like a lost frame and retry.
      }
      const frame = await reply;
      if (frame === undefined) {
        if (this.#closed) break;
        this.#stats.timeouts++;
        continue;
      }
      if (frame.type === MessageType.nack) {
        const reason = frame.payload[0];
        const why = reason === NackReason.outOfRange ? 'value out of range' : reason === NackReason.busy ? 'busy' : 'bad request';
        throw new ControllerError('E_CONTROLLER_REFUSED', `the controller refused the request: ${why}`, 'Check the value against the controller limits.');
      }
      this.#stats.acks++;
      return frame;
    }
    if (this.#closed) throw new ControllerError('E_CONTROLLER_CLOSED', 'the controller link was closed', 'Open a new link.');
    throw new ControllerError(
      'E_CONTROLLER_TIMEOUT',
      `no ack from the controller after ${this.#retry.retries + 1} sends of ${this.#retry.timeoutMs} ms`,
      'Check the serial cable, the device path and the baud rate; the controller may be powered off.',
    );
  }

  /** Resolves with the ack or nack for `seq`, or undefined after the timeout. */
  #awaitReply(seq: number): Promise<Frame | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(seq);
        resolve(undefined);
      }, this.#retry.timeoutMs);
      this.#pending.set(seq, {
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
        reject: () => {
          clearTimeout(timer);
          resolve(undefined);
        },
      });
    });
  }

  #receive(chunk: Uint8Array): void {
    for (const frame of this.#decoder.push(chunk)) {
      if (frame.type === MessageType.temperatureReport && frame.payload.length >= 3) {
        const zone = ZONES[frame.payload[0]!];
        if (zone) this.emit('temperature', zone, decodeTenths(frame.payload, 1));
        continue;
      }
      if (frame.type !== MessageType.ack && frame.type !== MessageType.nack) continue;
      const pending = this.#pending.get(frame.seq);
      if (!pending) continue; // a late ack for a request already retried and answered
      this.#pending.delete(frame.seq);
      pending.resolve(frame);
    }
  }
}
