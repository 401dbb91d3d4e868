// Reads that must not hold an answer hostage: each gets a time budget and an AbortSignal the SDK honours,
// and its failure becomes a value, so one slow or broken dependency degrades an answer instead of failing it.
import { describe } from './errors.js';

export type Part<T> = ({ status: 'ok' } & T) | { status: 'error'; error: string };

export async function withinBudget<T extends object>(
  budgetMs: number,
  read: (signal: AbortSignal) => Promise<T>,
): Promise<Part<T>> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`timed out after ${budgetMs} ms`));
    }, budgetMs);
  });
  try {
    // `status` last: a result's own `status` field must not pass for the read's.
    return { ...(await Promise.race([read(controller.signal), timeout])), status: 'ok' };
  } catch (error) {
    return { status: 'error', error: describe(error) };
  } finally {
    clearTimeout(timer);
  }
}
