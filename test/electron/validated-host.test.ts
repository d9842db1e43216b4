import { describe, expect, it, vi } from 'vitest';
import { validatedHost } from '../../renderer/host';
import type { AppPush, HostApi, MenuCommandMessage } from '../../core/contract/app-api';

/** A bridge as the preload exposes it, answering with whatever the test wants (including contract breaches). */
function fakeBridge(answer: (channel: string, request: unknown) => unknown) {
  const pushListeners: ((push: unknown) => void)[] = [];
  const menuListeners: ((message: unknown) => void)[] = [];
  const bridge = new Proxy({} as Record<string, unknown>, {
    get(_target, key: string) {
      if (key === 'onPush') return (l: (p: unknown) => void) => (pushListeners.push(l), () => undefined);
      if (key === 'onMenuCommand') return (l: (p: unknown) => void) => (menuListeners.push(l), () => undefined);
      return async (request: unknown) => answer(key, request);
    },
  }) as unknown as HostApi;
  return { bridge, push: (p: unknown) => pushListeners.forEach((l) => l(p)), menu: (m: unknown) => menuListeners.forEach((l) => l(m)) };
}

describe('validatedHost (the editor’s view of the Electron bridge)', () => {
  it('passes valid answers and refuses answers that break the contract', async () => {
    const { bridge } = fakeBridge((channel) => (channel === 'recentFiles' ? ['/a.json'] : { text: 42 }));
    const host = validatedHost(bridge);
    await expect(host.recentFiles({})).resolves.toEqual(['/a.json']);
    await expect(host.getTemplate({ id: 'x' })).rejects.toThrow(/invalid response on 'getTemplate': text: /);
  });

  it('refuses a bad request before it crosses', async () => {
    const answer = vi.fn();
    const host = validatedHost(fakeBridge(answer).bridge);
    // @ts-expect-error: a request that breaks the contract
    await expect(host.saveFile({ path: 1, text: '' })).rejects.toThrow(/invalid request on 'saveFile': path: /);
    expect(answer).not.toHaveBeenCalled();
  });

  it('delivers valid pushes and menu commands and drops broken ones', () => {
    const { bridge, push, menu } = fakeBridge(() => undefined);
    const host = validatedHost(bridge);
    const pushes: AppPush[] = [];
    const commands: MenuCommandMessage[] = [];
    host.onPush((p) => pushes.push(p));
    host.onMenuCommand!((m) => commands.push(m));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    push({ channel: 'trainerEvent', sessionId: 's', event: { type: 'paused', step: 3 } });
    push({ channel: 'trainerEvent', sessionId: 's', event: { type: 'paused' } });
    menu({ command: 'save' });
    menu({ command: 'format-disk' });
    expect(pushes).toEqual([{ channel: 'trainerEvent', sessionId: 's', event: { type: 'paused', step: 3 } }]);
    expect(commands).toEqual([{ command: 'save' }]);
    expect(errors).toHaveBeenCalledTimes(2);
    errors.mockRestore();
  });
});
