// Puts a control-plane budget in front of an SDK client: every write command, and every retry of it, takes a
// token first. Fleet code then calls the client as usual and cannot forget the budget on one path.
import type { ControlPlaneBudget } from './budget.js';

/**
 * Control-plane writes by command name. Reads are not budgeted: Scheduler's reads have their own per-operation
 * quotas, and Lambda's plan reads (GetAlias, ListVersionsByFunction) are bounded by the run's concurrency and
 * are what the two thirds of Lambda's 15/s left outside the write budget are for (see budget.ts). A deployment
 * that wants them budgeted too passes `countsAgainstLambdaQuota` as `isBudgeted` with a second budget.
 */
export function isControlPlaneWrite(commandName: string): boolean {
  return /^(Update|Put|Delete|Create|Publish|Stop|Tag|Untag|Add|Remove)[A-Z]/.test(commandName);
}

/**
 * Every Lambda call that counts against its 15/s control-plane quota: all but invocations, GetFunction and
 * GetPolicy, which have quotas of their own (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
 */
export function countsAgainstLambdaQuota(commandName: string): boolean {
  return !/^(Invoke|InvokeAsync|InvokeWithResponseStream|GetFunction|GetPolicy)$/.test(commandName);
}

export interface BudgetedOptions {
  /** Which commands take a token (default: `isControlPlaneWrite`), by name without the `Command` suffix. */
  isBudgeted?: (commandName: string) => boolean;
  /**
   * Called as each budgeted attempt leaves, with the time its token was granted: the bench counts writes per
   * second with it.
   */
  onWrite?: (timestampMs: number, commandName: string) => void;
}

/** The part of an SDK v3 client this needs (structural, so shared/ does not import @smithy/types). */
interface MiddlewareClient {
  middlewareStack: {
    addRelativeTo(
      middleware: unknown,
      options: { name?: string; relation: 'before' | 'after'; toMiddleware: string; override?: boolean },
    ): void;
  };
}

const MIDDLEWARE_NAME = 'controlPlaneBudget';

/**
 * Adds the budget to `client` (and returns it). The middleware sits in the `finalizeRequest` step right after
 * the SDK's retry middleware, before signing: the retry middleware calls what follows it once per attempt, so
 * each attempt, a retried throttle included, takes its own token, and the standard retry's backoff on
 * TooManyRequestsException, ThrottlingException and 429 never sends more than the budget allows. At the
 * `build` step a retry would resend without a token. Before signing, the signature is made after the wait.
 *
 * @example
 * const lambda = budgeted(new LambdaClient({}), ledgerBudget({ dynamo, tableName, service: 'lambda', ratePerSecond: 5 }));
 */
export function budgeted<C extends MiddlewareClient>(
  client: C,
  budget: ControlPlaneBudget,
  options: BudgetedOptions = {},
): C {
  const isBudgeted = options.isBudgeted ?? isControlPlaneWrite;
  const middleware =
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: unknown) => {
      const name = (context.commandName ?? '').replace(/Command$/, '');
      if (isBudgeted(name)) {
        // When the budget granted it, on the budget's own clock (Date.now() drifts from it by milliseconds over a
        // process's life): what the budget decided, not the event loop's delay in coming back here.
        const granted = await budget.take();
        options.onWrite?.(granted, name);
      }
      return next(args);
    };
  client.middlewareStack.addRelativeTo(middleware, {
    name: MIDDLEWARE_NAME,
    relation: 'before',
    toMiddleware: 'httpSigningMiddleware',
    override: true,
  });
  return client;
}
