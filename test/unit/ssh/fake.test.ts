import { describe, expect, it } from 'vitest';
import { createFakeTransport } from '../../../src/ssh/fake.ts';

describe('createFakeTransport', () => {
  it('records execs as the exact command lines and answers from the handler', async () => {
    const t = createFakeTransport('lb1', (cmd, stdin) =>
      cmd === 'cat' ? { stdout: stdin ?? '' } : cmd.startsWith('systemctl') ? { code: 3, stderr: 'inactive' } : {},
    );
    expect(await t.exec(['systemctl', 'is-active', 'envoy k8s'])).toEqual({ code: 3, stdout: '', stderr: 'inactive' });
    expect(await t.exec(['cat'], { stdin: 'hi' })).toEqual({ code: 0, stdout: 'hi', stderr: '' });
    expect(await t.exec('echo $HOME')).toEqual({ code: 0, stdout: '', stderr: '' });
    await t.put(Buffer.from('x'), '/etc/e.yaml', { mode: 0o644 });
    expect(t.commands).toEqual(["systemctl is-active 'envoy k8s'", 'cat', "sh -c 'echo $HOME'"]);
    expect(t.files.get('/etc/e.yaml')).toEqual(Buffer.from('x'));
    expect(t.calls.at(-1)).toEqual({ kind: 'put', remotePath: '/etc/e.yaml', content: Buffer.from('x'), mode: 0o644 });
    expect(t.stats.roundTrips).toBe(4);
  });

  it('wraps commands in sudo when become is on, unless the call opts out', async () => {
    const t = createFakeTransport('lb1', undefined, { become: true });
    await t.exec(['id', '-u']);
    await t.exec(['id', '-u'], { become: false });
    expect(t.commands).toEqual(["sudo -n -- sh -c 'id -u'", 'id -u']);
  });

  it('refuses use after close and honours an aborted signal', async () => {
    const t = createFakeTransport('lb1');
    const ac = new AbortController();
    ac.abort();
    await expect(t.exec(['true'], { signal: ac.signal })).rejects.toThrow();
    await t.close();
    expect(t.closed).toBe(true);
    await expect(t.exec(['true'])).rejects.toThrow(/after close/);
  });
});
