// readPages: a bounded walk through a list call's pages, saying when it stopped short.
import { describe, expect, it } from 'vitest';
import { readPages } from '../../shared/paging.js';

/** A list call over `items`, `size` a page, its token the next offset (as a string), '' on the last page. */
const lister = (items: number[], size: number) => {
  const asked: (string | undefined)[] = [];
  const fetch = async (token: string | undefined) => {
    asked.push(token);
    const from = Number(token ?? 0);
    const next = from + size < items.length ? String(from + size) : '';
    return { items: items.slice(from, from + size), token: next };
  };
  return { asked, fetch };
};

describe('readPages', () => {
  it('reads every page when they fit, passing each token on; an empty token is the last page', async () => {
    // Prepare
    const { asked, fetch } = lister([1, 2, 3, 4, 5], 2);
    const seen: number[] = [];

    // Act
    const more = await readPages(
      10,
      fetch,
      (page) => seen.push(...page.items),
      (page) => page.token,
    );

    // Assess
    expect(more).toBe(false);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(asked).toEqual([undefined, '2', '4']);
  });

  it('stops after max pages and says there is more', async () => {
    // Prepare
    const { asked, fetch } = lister([1, 2, 3, 4, 5], 2);
    const seen: number[] = [];

    // Act
    const more = await readPages(
      2,
      fetch,
      (page) => seen.push(...page.items),
      (page) => page.token,
    );

    // Assess
    expect(more).toBe(true);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(asked).toHaveLength(2);
  });
});
