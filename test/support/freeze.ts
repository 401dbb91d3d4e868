// Freeze windows around the real clock, for tests that run the handlers as deployed (they read the time
// themselves): one in force now, and one that starts tomorrow.
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A one-off window from a minute ago to an hour from now. */
export const FROZEN_NOW = () =>
  `${iso(Date.now() - 60_000)}/${iso(Date.now() + 3_600_000)} integration test freeze`;

/** A one-off window that starts in a day: declared, not in force. */
export const FROZEN_TOMORROW = () =>
  `${iso(Date.now() + 86_400_000)}/${iso(Date.now() + 90_000_000)} tomorrow's freeze`;
