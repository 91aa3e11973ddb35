/** Parameters of {@link learningRateAt}. */
export interface LearningRateSchedule {
  /** Peak rate, reached at the end of warmup. */
  peak: number;
  /** Rate at the last step. */
  min: number;
  /** Steps of linear warmup from `peak / warmup` up to `peak`. */
  warmup: number;
  /** Total steps. */
  total: number;
}

/**
 * The learning rate of step `step` (0-based): linear warmup over the first
 * `warmup` steps, then a half cosine from `peak` down to `min` at the last step.
 */
export function learningRateAt(step: number, s: LearningRateSchedule): number {
  if (step < s.warmup) return (s.peak * (step + 1)) / s.warmup;
  const span = Math.max(1, s.total - 1 - s.warmup);
  const progress = Math.min(1, (step - s.warmup) / span);
  return s.min + 0.5 * (s.peak - s.min) * (1 + Math.cos(Math.PI * progress));
}
