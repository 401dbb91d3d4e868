// A bounded walk through an AWS list call's pages: the callers' answers stay bounded whatever the estate's size,
// and say when they stopped short rather than pass a part for the whole.

/**
 * Reads at most `max` pages, handing each to `take`; `next` is a page's token for the one after it (NextToken,
 * PaginationToken, …). True when the last page read still had a token: there is more than was read.
 */
export async function readPages<Page>(
  max: number,
  fetch: (token: string | undefined) => Promise<Page>,
  take: (page: Page) => void,
  next: (page: Page) => string | undefined,
): Promise<boolean> {
  let token: string | undefined;
  for (let page = 0; page < max; page++) {
    const answer = await fetch(token);
    take(answer);
    // An empty string is the last page too (the tagging API's PaginationToken).
    token = next(answer) || undefined;
    if (!token) return false;
  }
  return true;
}
