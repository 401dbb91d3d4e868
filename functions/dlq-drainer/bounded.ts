// Bounded lists for the drain's answer and its audit record (issue 13): whatever the number of messages, each
// list keeps its first `limit` items and counts the rest, and every kept string is cut to a fixed length.
// DynamoDB items stop at 400 KB (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items),
// and an operator at 3 a.m. reads counts, not 100,000 keys.

/** The longest key or message kept in an answer (a RequestID attribute can be as long as a message). */
export const MAX_TEXT = 200;

export const cut = (text: string, max = MAX_TEXT): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** Appends while under `limit`; otherwise counts the item in `omitted[name]`. */
export function keep<T>(
  list: T[],
  item: T,
  limit: number,
  omitted: Record<string, number>,
  name: string,
): void {
  if (list.length < limit) list.push(item);
  else omitted[name] = (omitted[name] ?? 0) + 1;
}

/** Counts by key, at most `limit` distinct keys (cut to MAX_TEXT); the rest go under `(other)`. */
export function countBy(counts: Record<string, number>, key: string, limit: number): void {
  const name = cut(key);
  if (name in counts || Object.keys(counts).length < limit) counts[name] = (counts[name] ?? 0) + 1;
  else counts['(other)'] = (counts['(other)'] ?? 0) + 1;
}
