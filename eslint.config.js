// Lint: the layer boundaries a reader sees in the tree, enforced. Formatting is prettier's job.
import tseslint from 'typescript-eslint';

/** Each layer may import only the layers below it; `from` names the importing folder. */
const layers = [
  {
    from: 'src/inventory/**',
    deny: [
      'render',
      'validate',
      'facts',
      'modules',
      'runner',
      'ops',
      'doctor',
      'output',
      'release',
      'cli',
      'commands',
      'ssh',
    ],
  },
  // validate checks what render produced: it sits above render
  {
    from: 'src/validate/**',
    deny: ['facts', 'modules', 'runner', 'ops', 'doctor', 'output', 'release', 'cli', 'commands', 'ssh'],
  },
  {
    from: 'src/render/**',
    deny: ['validate', 'facts', 'modules', 'runner', 'ops', 'doctor', 'output', 'release', 'cli', 'commands', 'ssh'],
  },
  // the transport takes a HostSpec (types only) and nothing else from above
  {
    from: 'src/ssh/**',
    deny: ['render', 'validate', 'facts', 'modules', 'runner', 'ops', 'doctor', 'output', 'release', 'cli', 'commands'],
  },
  { from: 'src/facts/**', deny: ['render', 'modules', 'runner', 'ops', 'doctor', 'output', 'cli', 'commands'] },
  // the manifest's decisions are steps for the ownership module: the same level as modules' helpers
  { from: 'src/ownership/**', deny: ['modules', 'ops', 'doctor', 'output', 'cli', 'commands'] },
  { from: 'src/release/**', deny: ['render', 'modules', 'runner', 'ops', 'doctor', 'output', 'cli', 'commands'] },
  { from: 'src/runner/**', deny: ['modules', 'ops', 'doctor', 'output', 'cli', 'commands'] },
  { from: 'src/modules/**', deny: ['ops', 'doctor', 'output', 'cli', 'commands'] },
  { from: 'src/ops/**', deny: ['doctor', 'output', 'cli', 'commands'] },
  { from: 'src/doctor/**', deny: ['cli', 'commands'] },
  { from: 'src/output/**', deny: ['doctor', 'cli', 'commands'] },
  // the CLI shell (command shape, shared options, play + report) sits below the commands it runs
  { from: 'src/cli/**', deny: ['commands'] },
  // roles read like a playbook: modules and rendering; only handlers reach for operations
  { from: 'roles/*/main.ts', deny: ['ops', 'doctor', 'output', 'cli', 'commands'] },
];

const layerGroup = (name) => [`**/src/${name}/*`, `../${name}/*`];
// outside src/ssh, the SSH layer is reached through its index only
const sshInternals = { group: ['**/ssh/*', '!**/ssh/index.ts'], message: 'import the SSH layer from src/ssh/index.ts' };
// commands are descriptions: commander is wired once, by the CLI (src/cli.ts, src/cli/)
const commander = {
  name: 'commander',
  message: 'describe options in a CommandSpec; commander is wired in src/cli/ only',
};
const cliShell = (f) => f === 'src/cli.ts' || f.startsWith('src/cli/');

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.lab/**', 'schema/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts', 'roles/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['src/ssh/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [commander], patterns: [sshInternals] }] },
  },
  { files: ['src/cli.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [sshInternals] }] } },
  ...layers.map((l) => ({
    files: [l.from],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: cliShell(l.from) ? [] : [commander],
          patterns: [
            ...(l.from.startsWith('src/ssh') ? [] : [sshInternals]),
            ...l.deny.map((d) => ({
              group: layerGroup(d),
              message: `${l.from.split('/').slice(0, 2).join('/')} sits below ${d} and must not import it`,
            })),
          ],
        },
      ],
    },
  })),
);
