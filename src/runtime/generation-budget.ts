/**
 * Limits on one generation's energy and on the SoC temperature while it
 * runs. The runtime knows nothing of power: a {@link BudgetMonitor} (a power
 * meter, `sampler.meter(model)`) watches the limits and asks the model to
 * stop, which ends the generation cleanly with stop reason `energyBudget` or
 * `thermalBudget`.
 */
export interface GenerationBudget {
  /** Most energy the generation may use, joules (gross, as the meter's source measures or estimates it), > 0. */
  joules?: number;
  /** Stop once the SoC temperature reaches this, degrees C. */
  celsius?: number;
}

/** Why a budget stopped a generation: the energy spent or the SoC temperature passed its limit. */
export type BudgetStopReason = 'energyBudget' | 'thermalBudget';

/**
 * Watches generations that carry a {@link GenerationBudget}. A model calls
 * `watch` when such a generation is sent; the monitor calls `stop` (at most
 * once) when a limit is passed. A power meter implements it.
 */
export interface BudgetMonitor {
  /**
   * Start watching one generation.
   *
   * @param requestId - the generation's id, as in the model's events
   * @param budget - its limits
   * @param stop - call to end the generation with the given reason
   * @returns a function that stops watching (called when the generation ends)
   */
  watch(requestId: number, budget: GenerationBudget, stop: (reason: BudgetStopReason) => void): () => void;
}
