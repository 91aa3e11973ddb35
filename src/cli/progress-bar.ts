import cliProgress from 'cli-progress';

/** A progress bar on stderr, or nothing at all when stderr is not a terminal or the output is JSON. */
export interface ProgressBar {
  /** Moves the bar; `fields` fill `{name}` placeholders in the format. */
  update(done: number, total: number, fields?: Record<string, string | number>): void;
  /** Removes the bar's line so later output starts clean. */
  stop(): void;
}

/**
 * Creates the progress bar every long command shares (flash, train): drawn on
 * stderr, so stdout stays clean for results and `--json`.
 *
 * @param format - cli-progress format, e.g. `'{phase} {bar} {percentage}% | {eta_formatted} left'`
 * @param enabled - false for `--json` runs; a non-terminal stderr also turns it off
 */
export function createProgressBar(format: string, enabled: boolean): ProgressBar {
  if (!enabled || process.stderr.isTTY !== true) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, fields = {}) {
      if (!started) {
        bar.start(total, done, fields);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, fields);
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
