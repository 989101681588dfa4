// "Did you mean" for unknown keys: the closest allowed sibling key by edit distance
// (Levenshtein with adjacent transpositions).

/** Edit distance where swapping two adjacent letters counts as one edit (a common typo). */
export function levenshtein(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The allowed key closest to `key`, if it is close enough to be a typo (at most a third of the
 * key's length, minimum 1, maximum 3 edits); ties go to the first. Case, `_` and `-` are ignored
 * so that snake_case (listen_port) finds its camelCase key (listenPort).
 */
export function suggest(key: string, allowed: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(key.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = levenshtein(normalize(key), normalize(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

const normalize = (k: string) => k.toLowerCase().replace(/[_-]/g, '');
