import { describe, expect, it } from 'vitest';
import { crc16, decodeTenths, encodeFrame, encodeTenths, FrameDecoder, MessageType } from '../examples/smart-fridge/src/protocol.js';

describe('smart-fridge controller frames', () => {
  it('CRC-16/CCITT-FALSE gives the catalogue check value', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x29b1);
  });

  it('round-trips frames split and merged at every byte boundary', () => {
    const frames = [
      { type: MessageType.setTemperature, seq: 7, payload: Uint8Array.of(1, ...encodeTenths(-18)) },
      { type: MessageType.ping, seq: 8, payload: new Uint8Array(0) },
      { type: MessageType.ack, seq: 255, payload: Uint8Array.of(0, 0x7e, 0x7e) },
    ];
    const stream = Uint8Array.from(frames.flatMap((f) => [...encodeFrame(f)]));
    for (let split = 0; split <= stream.length; split++) {
      const decoder = new FrameDecoder();
      const got = [...decoder.push(stream.subarray(0, split)), ...decoder.push(stream.subarray(split))];
      expect(got.map((f) => [f.type, f.seq, [...f.payload]])).toEqual(frames.map((f) => [f.type, f.seq, [...f.payload]]));
      expect(decoder.corruptFrames).toBe(0);
    }
  });

  it('drops a corrupted frame, counts it, and resynchronises on the next one', () => {
    const bad = encodeFrame({ type: MessageType.setMode, seq: 1, payload: Uint8Array.of(2) });
    bad[4] = bad[4]! ^ 0x10;
    const good = encodeFrame({ type: MessageType.setMode, seq: 2, payload: Uint8Array.of(3) });
    const decoder = new FrameDecoder();
    const got = decoder.push(Uint8Array.of(0x00, 0x13, ...bad, 0x7e, ...good));
    expect(got).toHaveLength(1);
    expect(got[0]!.seq).toBe(2);
    expect(decoder.corruptFrames).toBeGreaterThanOrEqual(1);
  });

  it('encodes temperatures as signed tenths and refuses what does not fit', () => {
    expect(decodeTenths(encodeTenths(-18.25))).toBe(-18.2);
    expect(decodeTenths(encodeTenths(4))).toBe(4);
    expect(() => encodeTenths(5000)).toThrow(RangeError);
    expect(() => encodeFrame({ type: 1, seq: 1, payload: new Uint8Array(65) })).toThrow(RangeError);
  });
});
