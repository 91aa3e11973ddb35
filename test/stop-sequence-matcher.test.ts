import { describe, expect, it } from 'vitest';
import { StopSequenceMatcher } from '../src/runtime/stop-sequence-matcher.js';

function feed(stops: string[], pieces: string[]): { out: string; stopped: boolean; matched: string | null } {
  const m = new StopSequenceMatcher(stops);
  let out = '';
  let stopped = false;
  for (const p of pieces) {
    const r = m.push(p);
    out += r.text;
    if (r.stopped) {
      stopped = true;
      break;
    }
  }
  out += m.flush();
  return { out, stopped, matched: m.matched };
}

describe('StopSequenceMatcher', () => {
  it('passes text straight through without stop strings', () => {
    const m = new StopSequenceMatcher();
    expect(m.push('abc')).toEqual({ text: 'abc', stopped: false });
    expect(m.flush()).toBe('');
  });

  it('finds a stop string split across pieces and never emits it', () => {
    const m = new StopSequenceMatcher(['\nUser:']);
    expect(m.push('Hello')).toEqual({ text: 'Hello', stopped: false });
    expect(m.push(' there\nU')).toEqual({ text: ' there', stopped: false });
    expect(m.push('se')).toEqual({ text: '', stopped: false });
    expect(m.push('r: hi')).toEqual({ text: '', stopped: true });
    expect(m.matched).toBe('\nUser:');
    expect(m.push('more')).toEqual({ text: '', stopped: true });
    expect(m.flush()).toBe('');
  });

  it('releases a held tail once it can no longer become a stop string', () => {
    const m = new StopSequenceMatcher(['STOP']);
    expect(m.push('a ST')).toEqual({ text: 'a ', stopped: false });
    expect(m.push('x')).toEqual({ text: 'STx', stopped: false });
    expect(m.push('ST')).toEqual({ text: '', stopped: false });
    expect(m.flush()).toBe('ST');
  });

  it('emits the text before the stop in the same piece', () => {
    expect(feed(['</s>'], ['one two</s>three'])).toEqual({ out: 'one two', stopped: true, matched: '</s>' });
  });

  it('handles one character per piece and the earliest of several stops', () => {
    const text = 'The end. THE END';
    expect(feed(['END', '. '], [...text])).toEqual({ out: 'The end', stopped: true, matched: '. ' });
    expect(feed(['xyz'], [...text])).toEqual({ out: text, stopped: false, matched: null });
  });

  it('holds back overlapping partial matches (aab in aaab)', () => {
    expect(feed(['aab'], ['a', 'a', 'a', 'b', 'c'])).toEqual({ out: 'a', stopped: true, matched: 'aab' });
  });

  it('rejects empty and non-string stops', () => {
    expect(() => new StopSequenceMatcher([''])).toThrow(RangeError);
    expect(() => new StopSequenceMatcher([3 as unknown as string])).toThrow(TypeError);
  });
});
