// completion: prints the bash or zsh completion script, generated from every command's description.
import { completionScript, SHELLS, type Shell } from '../cli/completion.ts';
import { EXIT, type CommandSpec } from '../cli/spec.ts';
import { commands } from './registry.ts';

export const completion: CommandSpec<{ shell: Shell }> = {
  name: 'completion',
  summary: 'print the shell completion script: source <(envoy-k8s-proxy completion bash) (or zsh)',
  arguments: [{ name: '<shell>', description: 'bash or zsh', choices: [...SHELLS] }],
  options: [],
  interrupt: 'none',
  async action(o) {
    // read at run time: the registry lists this command too
    process.stdout.write(completionScript(o.shell, commands));
    return EXIT.ok;
  },
};
