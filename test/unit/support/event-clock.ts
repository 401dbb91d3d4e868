import type { Clock } from '../../../shared/rate.js';

/**
 * A discrete-event clock for code with many concurrent sleepers: time stands still until every task is waiting,
 * then jumps to the earliest wake-up. Unlike a clock whose sleep advances time at once, two runs sleeping at
 * the same time wake in the order a real clock would wake them.
 */
export function eventClock(startMs = 0): Clock & { run(untilMs: number): Promise<void> } {
  let time = startMs;
  let sequence = 0;
  const timers: { at: number; order: number; wake: () => void }[] = [];
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    now: () => time,
    sleep: (ms) =>
      new Promise<void>((wake) => {
        timers.push({ at: time + Math.max(0, ms), order: sequence++, wake });
      }),
    async run(untilMs) {
      for (;;) {
        await settle();
        timers.sort((a, b) => a.at - b.at || a.order - b.order);
        const timer = timers[0];
        if (!timer || timer.at > untilMs) return;
        timers.shift();
        time = timer.at;
        timer.wake();
      }
    },
  };
}
