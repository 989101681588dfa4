// The CLI shell every command shares: Ctrl-C as each command's description asks, listeners gone
// afterwards, positional arguments reaching the action by name, one option list per command.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main, runCommand } from '../../../src/cli.ts';
import { buildProgram } from '../../../src/cli/program.ts';
import { EXIT, type CommandSpec, type Interrupt } from '../../../src/cli/spec.ts';
import { commands } from '../../../src/commands/registry.ts';

const listeners = () => process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');

/** A command that waits for Ctrl-C (or gives up after a while) and then returns `code`. */
function waiting(interrupt: Interrupt, code: number): CommandSpec & { sawAbort: () => boolean } {
  let aborted = false;
  return {
    name: 'wait',
    summary: 'waits',
    options: [],
    interrupt,
    sawAbort: () => aborted,
    action: (_o, ctx) =>
      new Promise((resolve) => {
        const t = setTimeout(() => resolve(code), 200);
        ctx.signal.addEventListener('abort', () => ((aborted = true), clearTimeout(t), resolve(code)));
      }),
  };
}

describe('Ctrl-C', () => {
  afterEach(() => vi.restoreAllMocks());

  it('stop: aborts the signal, says what happens, exits 130 whatever the action returns', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const before = listeners();
    const spec = waiting('stop', EXIT.ok);
    const done = runCommand(spec, {});
    expect(listeners()).toBe(before + 2);
    process.emit('SIGINT');
    expect(await done).toBe(EXIT.interrupted);
    expect(spec.sawAbort()).toBe(true);
    expect(err.mock.calls.join('')).toContain('interrupted: finishing the current step on each host, then stopping');
    expect(listeners()).toBe(before);
  });

  it('end: Ctrl-C is how the command ends; its own exit code, nothing printed', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const spec = waiting('end', EXIT.unreachable);
    const done = runCommand(spec, {});
    process.emit('SIGTERM');
    expect(await done).toBe(EXIT.unreachable);
    expect(spec.sawAbort()).toBe(true);
    expect(err).not.toHaveBeenCalled();
  });

  it('none: no listener, the signal keeps its default', async () => {
    const before = listeners();
    const spec = waiting('none', EXIT.ok);
    const done = runCommand(spec, {});
    expect(listeners()).toBe(before);
    expect(await done).toBe(EXIT.ok);
    expect(spec.sawAbort()).toBe(false);
  });

  it('a stop command that finishes without Ctrl-C keeps its exit code', async () => {
    expect(await runCommand(waiting('stop', EXIT.failed), {})).toBe(EXIT.failed);
  });

  it('admin: a tunnel ends on Ctrl-C, a GET keeps the default', () => {
    const admin = commands.find((c) => c.name === 'admin')!;
    const mode = admin.interrupt as (o: unknown) => Interrupt;
    expect(mode({ hosts: 'x' })).toBe('end');
    expect(mode({ hosts: 'x', method: 'GET', path: '/ready' })).toBe('none');
  });
});

describe('the program', () => {
  it('hands positional arguments to the action by name', async () => {
    let got: Record<string, unknown> = {};
    const spec: CommandSpec = {
      name: 'get',
      summary: 'gets',
      arguments: [
        { name: '[method]', description: 'm' },
        { name: '[path]', description: 'p' },
      ],
      options: [{ flags: '-H, --hosts <inventory>', description: 'h', required: true }],
      interrupt: 'none',
      action: async () => 0,
    };
    const program = buildProgram([spec], (_s, opts) => (got = opts));
    await program.parseAsync(['get', '--hosts', 'lab', 'GET', '/clusters'], { from: 'user' });
    expect(got).toEqual({ hosts: 'lab', method: 'GET', path: '/clusters' });
  });

  it('lists every command once, each option flag once per command', () => {
    const names = commands.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of commands) {
      const longs = c.options.map((o) => /--[\w-]+/.exec(o.flags)![0]);
      expect(new Set(longs).size, c.name).toBe(longs.length);
      // every command but completion reads an inventory
      if (c.name !== 'completion') expect(longs, c.name).toContain('--hosts');
    }
  });

  it('a bad option value or a bad GET is a usage error (exit 2) before any host is read', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['logs', '--hosts', 'prod', '-n', '-1'])).toBe(EXIT.input);
    expect(await main(['admin', '--hosts', '/nonexistent.yaml', 'POST', '/quitquitquit'])).toBe(EXIT.input);
    expect(err.mock.calls.join('')).toContain('only GET is allowed');
    err.mockRestore();
  });
});
