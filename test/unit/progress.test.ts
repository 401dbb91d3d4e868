import { describe, expect, it, vi } from 'vitest';
import { progressHook } from '../../shared/progress.js';

describe('progressHook', () => {
  it('calls nobody until a listener is set, then the one set', () => {
    // Prepare
    const hook = progressHook<number>();
    const listener = vi.fn();

    // Act
    const before = hook.listener();
    hook.listen(listener);
    hook.listener()?.(3);

    // Assess
    expect(before).toBeUndefined();
    expect(listener).toHaveBeenCalledWith(3);
  });

  it('clears its own listener, but not one set after it', () => {
    // Prepare
    const hook = progressHook<number>();
    const first = vi.fn();
    const second = vi.fn();
    const clearFirst = hook.listen(first);
    const clearSecond = hook.listen(second);

    // Act
    clearFirst();
    const afterFirst = hook.listener();
    clearSecond();

    // Assess
    expect(afterFirst).toBe(second);
    expect(hook.listener()).toBeUndefined();
  });

  it('keeps each hook apart: a drain listener never hears the kill switch', () => {
    // Prepare
    const drain = progressHook<string>();
    const killSwitch = progressHook<string>();
    const listener = vi.fn();

    // Act
    drain.listen(listener);

    // Assess
    expect(killSwitch.listener()).toBeUndefined();
    expect(drain.listener()).toBe(listener);
  });
});
