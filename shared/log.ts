// What the runbook's logic needs of a logger. Powertools' Logger satisfies it; tests pass a recorder.
// Each module asks only for the levels it uses (`Pick<Log, 'info' | 'warn'>`), so a test's fake stays small.
export interface Log {
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}
