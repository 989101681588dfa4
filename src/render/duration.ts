// google.protobuf.Duration in its JSON/YAML string form: 5000 -> "5s", 250 -> "0.250s", 0 -> "0s".

export function duration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`invalid duration: ${ms} ms (want a non-negative integer)`);
  const seconds = Math.floor(ms / 1000);
  const rest = ms % 1000;
  return rest === 0 ? `${seconds}s` : `${seconds}.${String(rest).padStart(3, '0')}s`;
}
