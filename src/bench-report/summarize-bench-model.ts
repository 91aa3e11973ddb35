import { energyBadge } from '../power/energy-badge.js';
import type { BenchInference, BenchModelSummary } from './bench-session.js';

const median = (values: number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Sum up one model's inferences. The first inference after loading warms
 * caches and the JIT (a device keeps its model loaded), so speed figures are
 * medians over the others; energy per token is over all of them, as a
 * battery would pay it.
 *
 * @param inferences - the model's inferences, in order
 * @param workload - what they were
 * @param peakRssMb - the highest resident set size seen while the model ran, MB
 * @returns the summary
 */
export function summarizeBenchModel(inferences: readonly BenchInference[], workload: 'assistant' | 'generate', peakRssMb: number): BenchModelSummary {
  const warm = inferences.length > 1 ? inferences.slice(1) : inferences;
  const metered = inferences.filter((i) => i.energy !== null);
  const meteredTokens = metered.reduce((n, i) => n + i.generatedTokens, 0);
  const joules = metered.reduce((n, i) => n + i.energy!.joules, 0);
  const joulesPerToken = meteredTokens > 0 ? joules / meteredTokens : null;
  const net = metered.every((i) => i.energy!.netJoules !== null) && meteredTokens > 0
    ? metered.reduce((n, i) => n + i.energy!.netJoules!, 0) / meteredTokens : null;
  return {
    inferences: inferences.length,
    generatedTokens: inferences.reduce((n, i) => n + i.generatedTokens, 0),
    tokensPerSecond: median(warm.map((i) => i.tokensPerSecond)),
    timeToFirstTokenMs: median(warm.map((i) => i.timeToFirstTokenMs)),
    coldTimeToFirstTokenMs: inferences[0]?.timeToFirstTokenMs ?? 0,
    timeToActionMs: workload === 'assistant' ? median(warm.map((i) => i.timeToActionMs ?? 0)) : null,
    joules,
    joulesPerToken,
    netJoulesPerToken: net,
    badge: joulesPerToken === null ? null : energyBadge(joulesPerToken),
    peakRssMb,
    interpolated: metered.filter((i) => i.energy!.interpolated).length,
  };
}
