// Freeze windows around the real clock, for tests that run the handlers as deployed (they read the time
// themselves): one in force now, and one that starts tomorrow.
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A one-off window from a minute ago to an hour from now. */
export const FROZEN_NOW = () =>
  `${iso(Date.now() - 60_000)}/${iso(Date.now() + 3_600_000)} integration test freeze`;

/** A one-off window that starts in a day: declared, not in force. */
export const FROZEN_TOMORROW = () =>
  `${iso(Date.now() + 86_400_000)}/${iso(Date.now() + 90_000_000)} tomorrow's freeze`;

/**
 * A recurring window across midnight in force now, 22:00-02:00 in a fixed-offset zone (Etc/GMT-N) chosen so its
 * wall clock is in the 23:00 hour: the window started yesterday evening there and ends after its midnight.
 * `until` is when it lifts: three hours after the start of the current UTC hour.
 */
export function OVERNIGHT_NOW(): { windows: string; until: string } {
  const now = Date.now();
  const utcHour = new Date(now).getUTCHours();
  // The offset (hours east of UTC, -12..+11) at which it is 23:xx now.
  const offset = ((23 - utcHour + 36) % 24) - 12;
  const zone = offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
  const until = Math.floor(now / 3_600_000) * 3_600_000 + 3 * 3_600_000;
  return {
    windows: `daily 22:00-02:00 ${zone} overnight batch`,
    until: new Date(until).toISOString(),
  };
}
