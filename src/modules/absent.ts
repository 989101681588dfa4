// absent: a path (file, link or directory tree) does not exist.
import { pathFact } from '../facts/file.ts';
import { change, ok, type Module } from '../runner/types.ts';

export function absent(path: string): Module {
  const fact = pathFact(path);
  return {
    facts: () => [fact],
    plan: ({ facts }) => (facts.get(fact).type === 'absent' ? ok() : change([{ kind: 'exec', action: `remove ${path}`, command: ['rm', '-rf', '--', path] }], { message: 'removed' })),
  };
}
