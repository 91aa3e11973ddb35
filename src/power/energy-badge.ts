/** An energy label for a model on a board, like an appliance label: `A` (frugal) to `G`. */
export type EnergyBadge = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G';

/** One band of the energy label. */
export interface EnergyBadgeBand {
  /** The badge. */
  badge: EnergyBadge;
  /** Joules per generated token up to which (inclusive) this badge is given; `Infinity` for G. */
  maxJoulesPerToken: number;
  /** What a model in this band is like. */
  meaning: string;
}

/**
 * The bands of the energy label, on gross joules per generated token (the
 * whole inference, prefill included, divided by the tokens it generated).
 * Each band is half a decade wide (x3.16), A ending at 0.01 J/token, so a
 * badge step is a real difference, not noise. Reasoning in docs/power.md:
 * a Raspberry Pi-class board draws 2-10 W, so A (under 10 mJ) means several
 * hundred tokens per second (a tiny model), D (0.1-0.3 J) a few tens of
 * tokens per second, F (1-3 J) a 3B-parameter model on a Pi 5's CPU (about
 * 4.5 tokens/s at about 9 W).
 */
export const ENERGY_BADGE_BANDS: readonly EnergyBadgeBand[] = Object.freeze([
  { badge: 'A', maxJoulesPerToken: 0.01, meaning: 'tiny model, hundreds of tokens per second on a few watts' },
  { badge: 'B', maxJoulesPerToken: 0.0316, meaning: 'small model running fast' },
  { badge: 'C', maxJoulesPerToken: 0.1, meaning: 'tens of tokens per second on a small board' },
  { badge: 'D', maxJoulesPerToken: 0.316, meaning: 'interactive but costly on a battery' },
  { badge: 'E', maxJoulesPerToken: 1, meaning: 'a few tokens per second at full board power' },
  { badge: 'F', maxJoulesPerToken: 3.16, meaning: 'billion-parameter class on a CPU' },
  { badge: 'G', maxJoulesPerToken: Number.POSITIVE_INFINITY, meaning: 'too costly for a battery or fanless appliance' },
] as EnergyBadgeBand[]);

/**
 * The energy badge for a number of joules per generated token.
 *
 * @param joulesPerToken - gross joules per generated token, >= 0
 * @returns `A` to `G`, per {@link ENERGY_BADGE_BANDS}
 * @throws RangeError for a negative or non-finite value
 * @example
 * ```ts
 * energyBadge(0.004); // 'A'
 * energyBadge(2);     // 'F'
 * ```
 */
export function energyBadge(joulesPerToken: number): EnergyBadge {
  if (typeof joulesPerToken !== 'number' || !Number.isFinite(joulesPerToken) || joulesPerToken < 0) {
    throw new RangeError(`joulesPerToken must be a finite number >= 0, found ${String(joulesPerToken)}`);
  }
  return ENERGY_BADGE_BANDS.find((band) => joulesPerToken <= band.maxJoulesPerToken)!.badge;
}
