import { seededRandom, shuffleInPlace } from './random';

/**
 * Stratified holdout: within every stratum (e.g. label × text kind) a fixed-seed shuffle puts
 * `fraction` of the items in the holdout, so class and kind mixes match and the split is the
 * same on every run for the same data.
 */
export function stratifiedHoldout(strata: readonly string[], fraction: number, seed: number): { train: number[]; holdout: number[] } {
  const random = seededRandom(seed);
  const train: number[] = [];
  const holdout: number[] = [];
  for (const members of groupByStratum(strata)) {
    shuffleInPlace(members, random);
    const cut = Math.round(members.length * fraction);
    holdout.push(...members.slice(0, cut));
    train.push(...members.slice(cut));
  }
  return { train: train.sort((a, b) => a - b), holdout: holdout.sort((a, b) => a - b) };
}

/** Fold number (0…folds-1) for every item, dealt round-robin within each stratum after a seeded shuffle. */
export function stratifiedFolds(strata: readonly string[], folds: number, seed: number): Int32Array {
  const random = seededRandom(seed);
  const fold = new Int32Array(strata.length);
  for (const members of groupByStratum(strata)) {
    shuffleInPlace(members, random);
    members.forEach((item, position) => (fold[item] = position % folds));
  }
  return fold;
}

function groupByStratum(strata: readonly string[]): number[][] {
  const groups = new Map<string, number[]>();
  strata.forEach((s, i) => {
    const g = groups.get(s);
    if (g) g.push(i);
    else groups.set(s, [i]);
  });
  // Sorted keys: the result must not depend on the order rows happen to come in.
  return [...groups.keys()].sort().map((k) => groups.get(k) as number[]);
}
