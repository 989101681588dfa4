// Shipping file contents inside a shell script: base64 in a quoted heredoc (no expansion, any
// bytes), checked by sha256 on arrival. One round trip carries many files.
import { sha256 } from '../facts/gather.ts';
import { quote } from '../ssh/index.ts';

/** `target`: the shell word naming the file when it is only known on the host (e.g. `"$d"/x`). */
export function writeFileLines(path: string, content: string | Buffer, target = quote(path)): string[] {
  const b64 = Buffer.from(content).toString('base64');
  const lines: string[] = [`base64 -d > ${target} <<'EKP_EOF'`];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  lines.push('EKP_EOF');
  lines.push(
    `[ "$(sha256sum ${target} | cut -d' ' -f1)" = ${quote(sha256(content))} ] || { echo ${quote(`${path}: content arrived corrupted`)} >&2; exit 1; }`,
  );
  return lines;
}
