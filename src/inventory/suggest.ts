// "Did you mean" for unknown keys: the closest allowed sibling key by edit distance.

export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
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
