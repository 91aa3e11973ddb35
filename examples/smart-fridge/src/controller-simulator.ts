import type { ByteChannel } from './byte-channel.js';
import { decodeTenths, encodeFrame, encodeTenths, FrameDecoder, MessageType, MODES, NackReason, ZONES } from './protocol.js';
import type { Frame, Mode, Zone } from './protocol.js';

/** Limits the simulated controller enforces, °C. */
export const ZONE_LIMITS: Readonly<Record<Zone, { min: number; max: number }>> = {
  fridge: { min: 1, max: 8 },
  freezer: { min: -24, max: -14 },
};

/** Options for {@link ControllerSimulator}. */
export interface ControllerSimulatorOptions {
  /** Unsolicited temperature reports every this many ms; 0 turns them off. Default 1000. */
  reportMs?: number;
  /** Starting zone temperatures, °C. */
  initial?: Partial<Record<Zone, number>>;
}

/**
 * The fridge's microcontroller, in software: it speaks the same protocol over
 * the other end of a serial line, keeps targets and a mode, cools each zone
 * towards its target and reports temperatures. Faults can be injected to test
 * the app: lost acks and corrupted frames.
 */
export class ControllerSimulator {
  readonly #channel: ByteChannel;
  readonly #decoder = new FrameDecoder();
  readonly #unsubscribe: () => void;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly targets: Record<Zone, number> = { fridge: 4, freezer: -18 };
  readonly temperatures: Record<Zone, number>;
  mode: Mode = 'normal';
  /** Requests applied (a retry of the same sequence number is applied once). */
  applied = 0;
  #dropAcks = 0;
  #corruptReplies = 0;
  #lastSeq = -1;
  #lastReply: Uint8Array | undefined;

  constructor(channel: ByteChannel, options: ControllerSimulatorOptions = {}) {
    this.#channel = channel;
    this.temperatures = { fridge: options.initial?.fridge ?? 5, freezer: options.initial?.freezer ?? -17 };
    this.#unsubscribe = channel.onData((chunk) => {
      for (const frame of this.#decoder.push(chunk)) void this.#handle(frame);
    });
    const reportMs = options.reportMs ?? 1000;
    if (reportMs > 0) {
      this.#timer = setInterval(() => void this.#tick(reportMs), reportMs);
      this.#timer.unref();
    }
  }

  /** The next `n` acks are computed but never sent (a lost reply). */
  dropNextAcks(n: number): void {
    this.#dropAcks += n;
  }

  /** The next `n` replies go out with a flipped payload bit (the CRC then fails). */
  corruptNextReplies(n: number): void {
    this.#corruptReplies += n;
  }

  /** Stops the simulator. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#unsubscribe();
  }

  async #tick(ms: number): Promise<void> {
    for (const zone of ZONES) {
      // First-order approach to the target, about 2% of the gap per second.
      const gap = this.targets[zone] - this.temperatures[zone];
      this.temperatures[zone] = Math.round((this.temperatures[zone] + gap * 0.02 * (ms / 1000)) * 100) / 100;
      const payload = Uint8Array.of(ZONES.indexOf(zone), ...encodeTenths(this.temperatures[zone]));
      await this.#send(encodeFrame({ type: MessageType.temperatureReport, seq: 0, payload }));
    }
  }

  async #handle(frame: Frame): Promise<void> {
    if (frame.seq === this.#lastSeq && this.#lastReply) {
      await this.#reply(this.#lastReply); // a retry: the ack was lost, answer again without applying twice
      return;
    }
    const reply = this.#apply(frame);
    this.#lastSeq = frame.seq;
    this.#lastReply = reply;
    await this.#reply(reply);
  }

  #apply(frame: Frame): Uint8Array {
    const nack = (reason: number): Uint8Array => encodeFrame({ type: MessageType.nack, seq: frame.seq, payload: Uint8Array.of(reason) });
    const ack = (payload: Uint8Array = new Uint8Array(0)): Uint8Array => encodeFrame({ type: MessageType.ack, seq: frame.seq, payload: Uint8Array.of(0, ...payload) });
    const zone = ZONES[frame.payload[0] ?? 255];
    switch (frame.type) {
      case MessageType.setTemperature: {
        if (!zone || frame.payload.length !== 3) return nack(NackReason.badRequest);
        const celsius = decodeTenths(frame.payload, 1);
        const { min, max } = ZONE_LIMITS[zone];
        if (celsius < min || celsius > max) return nack(NackReason.outOfRange);
        this.targets[zone] = celsius;
        this.applied++;
        return ack();
      }
      case MessageType.setMode: {
        const mode = MODES[frame.payload[0] ?? 255];
        if (!mode) return nack(NackReason.badRequest);
        this.mode = mode;
        this.applied++;
        return ack();
      }
      case MessageType.getTemperature:
        if (!zone) return nack(NackReason.badRequest);
        return ack(Uint8Array.of(ZONES.indexOf(zone), ...encodeTenths(this.temperatures[zone])));
      case MessageType.ping:
        return ack();
      default:
        return nack(NackReason.badRequest);
    }
  }

  async #reply(bytes: Uint8Array): Promise<void> {
    if (this.#dropAcks > 0) {
      this.#dropAcks--;
      return;
    }
    if (this.#corruptReplies > 0) {
      this.#corruptReplies--;
      const copy = bytes.slice();
      copy[3] = copy[3]! ^ 0x01; // flip a bit of the sequence number: the CRC no longer matches
      await this.#send(copy);
      return;
    }
    await this.#send(bytes);
  }

  async #send(bytes: Uint8Array): Promise<void> {
    try {
      await this.#channel.write(bytes);
    } catch {
      // The line went away; the app will retry or give up on its side.
    }
  }
}
