// Lint: the layer boundaries a reader sees in the tree, enforced. Formatting is prettier's job.
import tseslint from 'typescript-eslint';

/** Each layer may import only the layers below it; `from` names the importing folder. */
const layers = [
  { from: 'src/inventory/**', deny: ['render', 'validate', 'facts', 'modules', 'runner', 'ops', 'doctor', 'output', 'release', 'commands', 'ssh'] },
  // validate checks what render produced: it sits above render
  { from: 'src/validate/**', deny: ['facts', 'modules', 'runner', 'ops', 'doctor', 'output', 'release', 'commands', 'ssh'] },
  { from: 'src/render/**', deny: ['validate', 'facts', 'modules', 'runner', 'ops', 'doctor', 'output', 'release', 'commands', 'ssh'] },
  // the transport takes a HostSpec (types only) and nothing else from above
  { from: 'src/ssh/**', deny: ['render', 'validate', 'facts', 'modules', 'runner', 'ops', 'doctor', 'output', 'release', 'commands'] },
  { from: 'src/facts/**', deny: ['render', 'modules', 'runner', 'ops', 'doctor', 'output', 'commands'] },
  // the manifest's decisions are steps for the ownership module: the same level as modules' helpers
  { from: 'src/ownership/**', deny: ['modules', 'ops', 'doctor', 'output', 'commands'] },
  { from: 'src/release/**', deny: ['render', 'modules', 'runner', 'ops', 'doctor', 'output', 'commands'] },
  { from: 'src/runner/**', deny: ['modules', 'ops', 'doctor', 'output', 'commands'] },
  { from: 'src/modules/**', deny: ['ops', 'doctor', 'output', 'commands'] },
  { from: 'src/ops/**', deny: ['doctor', 'output', 'commands'] },
  { from: 'src/doctor/**', deny: ['commands'] },
  { from: 'src/output/**', deny: ['doctor', 'commands'] },
  // roles read like a playbook: modules and rendering; only handlers reach for operations
  { from: 'roles/*/main.ts', deny: ['ops', 'doctor', 'output', 'commands'] },
];

const layerGroup = (name) => [`**/src/${name}/*`, `../${name}/*`];
// outside src/ssh, the SSH layer is reached through its index only
const sshInternals = { group: ['**/ssh/*', '!**/ssh/index.ts'], message: 'import the SSH layer from src/ssh/index.ts' };

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
    rules: { 'no-restricted-imports': ['error', { patterns: [sshInternals] }] },
  },
  ...layers.map((l) => ({
    files: [l.from],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...(l.from.startsWith('src/ssh') ? [] : [sshInternals]),
            ...l.deny.map((d) => ({ group: layerGroup(d), message: `${l.from.split('/').slice(0, 2).join('/')} sits below ${d} and must not import it` })),
          ],
        },
      ],
    },
  })),
);
