// Rollback readiness (issue 16, fleet `status`): whether the rollback's known-good version exists and can
// serve now. The version itself is chosen by the rollback's own rules (functions/rollback/choose.ts, through
// its dry-run plan); this module only says whether moving the alias there would put it back in service.
//
// Pure decisions over what readiness-read.ts read, so each check is tested alone.

export type CheckName =
  | 'known-good'
  | 'alias-unweighted'
  | 'event-sources-on-alias'
  | 'snapstart-active'
  | 'same-role'
  | 'same-dlq';

export interface Check {
  check: CheckName;
  ok: boolean;
  /** One sentence for the person on call: what is wrong and what to do, or what was found. */
  detail: string;
}

export interface Readiness {
  /** Every check passed. */
  ready: boolean;
  knownGood?: string;
  /** The alias's (primary) version now. */
  current: string;
  /** Without a known-good version, the three checks about it (state, role, DLQ) are left out: nothing to check. */
  checks: Check[];
}

/** The part of a version's configuration readiness compares. */
export interface VersionFacts {
  version: string;
  /** `Pending | Active | Inactive | Failed`. */
  state?: string;
  stateReason?: string;
  stateReasonCode?: string;
  /** `On` when the version has a SnapStart snapshot (SnapStartResponse.OptimizationStatus of a qualified read). */
  snapStart?: string;
  role?: string;
  deadLetterTarget?: string;
}

export interface MappingFacts {
  uuid: string;
  /** The function, version or alias ARN the mapping delivers to. */
  functionArn?: string;
  eventSourceArn?: string;
  /** `Enabled | Disabled | Creating | Updating | Enabling | Disabling | Deleting`. */
  state?: string;
  /** Returned by ListEventSourceMappings filtered by the alias (so it is on the alias). */
  listedUnderAlias: boolean;
}

export interface ReadinessFacts {
  functionName: string;
  alias: string;
  current: string;
  /** The alias's additional version weights; `{}` when none. */
  weights: Record<string, number>;
  knownGood?: string;
  /** The rollback's reason for its choice (choice.why), shown beside it. */
  whyKnownGood?: string;
  /** Why the rollback's plan found no known-good version (its NoTargetError's message). */
  whyNoKnownGood?: string;
  currentVersion: VersionFacts;
  /** Undefined with `knownGood` set: that version no longer exists. */
  knownGoodVersion?: VersionFacts;
  mappings: MappingFacts[];
}

const pass = (check: CheckName, detail: string): Check => ({ check, ok: true, detail });
const fail = (check: CheckName, detail: string): Check => ({ check, ok: false, detail });

/** The rollback readiness of one alias, decided from what was read. */
export function readiness(facts: ReadinessFacts): Readiness {
  const checks = [knownGoodCheck(facts), unweightedCheck(facts), mappingsCheck(facts)];
  const target = facts.knownGood === undefined ? undefined : facts.knownGoodVersion;
  if (target) {
    checks.push(
      stateCheck(facts.functionName, target),
      roleCheck(facts.currentVersion, target),
      dlqCheck(facts.currentVersion, target),
    );
  }
  return {
    ready: checks.every((check) => check.ok),
    ...(facts.knownGood === undefined ? {} : { knownGood: facts.knownGood }),
    current: facts.current,
    checks,
  };
}

function knownGoodCheck(facts: ReadinessFacts): Check {
  const { knownGood, current, alias } = facts;
  const check = 'known-good';
  if (knownGood === undefined) {
    return fail(check, `no known-good version: ${facts.whyNoKnownGood ?? 'the rollback found none'}`);
  }
  if (!facts.knownGoodVersion) {
    return fail(check, `known-good version ${knownGood} no longer exists; name one with toVersion`);
  }
  const why = facts.whyKnownGood ? ` (${facts.whyKnownGood})` : '';
  if (knownGood !== current) return pass(check, `version ${knownGood}${why}; ${alias} serves ${current}`);
  const detail =
    Object.keys(facts.weights).length > 0
      ? `version ${knownGood}, the primary version of ${alias}${why}: a rollback clears the canary weights`
      : `${alias} already serves version ${knownGood}${why}: a rollback has nothing to move`;
  return pass(check, detail);
}

function unweightedCheck({ alias, current, weights }: ReadinessFacts): Check {
  const check = 'alias-unweighted';
  const canary = Object.entries(weights);
  if (canary.length === 0) return pass(check, `${alias} serves version ${current} alone`);
  const shares = canary.map(([version, weight]) => `version ${version} takes ${percent(weight)}`).join(', ');
  return fail(check, `a canary is in flight on ${alias}: ${shares}, version ${current} the rest`);
}

const percent = (weight: number) => `${Math.round(weight * 10_000) / 100}%`;

type Place =
  | { kind: 'alias' }
  | { kind: 'version'; version: string }
  | { kind: 'unqualified' }
  | { kind: 'other-alias' };

/**
 * Where a mapping delivers. Lambda keeps the qualifier it was created with in FunctionArn: an alias ARN
 * follows the alias, a version ARN or the unqualified ARN ($LATEST) does not move when the alias does.
 * https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingConfiguration.html
 */
export function placeOf(mapping: MappingFacts, alias: string): Place {
  if (mapping.listedUnderAlias) return { kind: 'alias' };
  const arn = mapping.functionArn ?? '';
  const marker = arn.indexOf(':function:');
  const qualifier = (marker >= 0 ? arn.slice(marker + ':function:'.length) : arn).split(':')[1];
  if (qualifier === undefined || qualifier === '$LATEST') return { kind: 'unqualified' };
  if (/^\d+$/.test(qualifier)) return { kind: 'version', version: qualifier };
  return qualifier === alias ? { kind: 'alias' } : { kind: 'other-alias' };
}

/** Disabled (or going) mappings deliver nothing now, so they do not keep a version in service. */
const IDLE = ['Disabled', 'Disabling', 'Deleting'];
const NAMES_SHOWN = 5;
const GROUPS_SHOWN = 3;

function mappingsCheck(facts: ReadinessFacts): Check {
  const check = 'event-sources-on-alias';
  const { alias, mappings } = facts;
  if (mappings.length === 0) {
    return pass(check, `no event source mappings on ${alias}, version ${facts.current} or $LATEST`);
  }
  const groups = new Map<string, { rank: number; found: MappingFacts[] }>();
  for (const mapping of mappings) {
    const place = placeOf(mapping, alias);
    if (place.kind === 'alias' || place.kind === 'other-alias' || IDLE.includes(mapping.state ?? ''))
      continue;
    // The live version's first (it keeps feeding the release being rolled back), then $LATEST, then the
    // others newest first.
    const [key, rank] =
      place.kind === 'unqualified'
        ? ['on the unqualified function ($LATEST)', Number.MIN_SAFE_INTEGER]
        : [
            `pinned to version ${place.version}`,
            place.version === facts.current ? Number.NEGATIVE_INFINITY : -Number(place.version),
          ];
    const group = groups.get(key) ?? { rank, found: [] };
    group.found.push(mapping);
    groups.set(key, group);
  }
  if (groups.size === 0) {
    const onAlias = mappings.filter((mapping) => placeOf(mapping, alias).kind === 'alias');
    const detail =
      onAlias.length > 0
        ? `${plural(onAlias.length)} on ${alias}: ${names(onAlias)}`
        : `no enabled event source mapping on ${alias}, version ${facts.current} or $LATEST`;
    return pass(check, detail);
  }
  const shown = [...groups]
    .sort(([, a], [, b]) => a.rank - b.rank)
    .slice(0, GROUPS_SHOWN)
    .map(([where, { found }]) => `${plural(found.length)} ${where}: ${names(found)}`);
  const hidden = groups.size - GROUPS_SHOWN;
  if (hidden > 0) shown.push(`and ${hidden} more version${hidden === 1 ? '' : 's'}`);
  return fail(
    check,
    `${shown.join('; ')} — an alias rollback does not move them: point them at ${facts.functionName}:${alias}`,
  );
}

const plural = (count: number) => `${count} event source mapping${count === 1 ? '' : 's'}`;

function names(mappings: MappingFacts[]): string {
  const shown = mappings.slice(0, NAMES_SHOWN).map(sourceName).join(', ');
  return mappings.length > NAMES_SHOWN ? `${shown} and ${mappings.length - NAMES_SHOWN} more` : shown;
}

/** The event source by the name people know it by: queue, stream, table, cluster or broker name. */
export function sourceName(mapping: Pick<MappingFacts, 'uuid' | 'eventSourceArn'>): string {
  const arn = mapping.eventSourceArn;
  // Self-managed Kafka has no event source ARN: the mapping's UUID is what the console and CLI show.
  if (!arn) return `mapping ${mapping.uuid}`;
  const resource = arn.split(':').slice(5).join(':');
  const slash = /^(?:table|stream|cluster)\/([^/]+)/.exec(resource);
  if (slash?.[1]) return slash[1];
  const colon = /^(?:broker|cluster):([^:]+)/.exec(resource);
  return colon?.[1] ?? resource;
}

function stateCheck(functionName: string, target: VersionFacts): Check {
  const check = 'snapstart-active';
  const { version, state } = target;
  const snapStart = target.snapStart === 'On';
  const wake = `invoke ${functionName}:${version} once and wait for State Active`;
  if (state === 'Active') {
    return pass(check, `version ${version} is Active${snapStart ? ' with its SnapStart snapshot' : ''}`);
  }
  // https://docs.aws.amazon.com/lambda/latest/dg/snapstart-activate.html#snapstart-function-states
  // https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
  const detail =
    state === 'Inactive'
      ? snapStart
        ? `version ${version} is Inactive (SnapStart, not invoked for 14 days): invocations fail with SnapStartNotReadyException until it is Active again; ${wake}`
        : `version ${version} is Inactive (idle): its first invocations fail while Lambda restores it; ${wake}`
      : state === 'Pending'
        ? `version ${version} is Pending: Lambda is still preparing it; wait for State Active`
        : state === 'Failed'
          ? `version ${version} is Failed (${target.stateReasonCode ?? 'no reason code'}: ${target.stateReason ?? 'no reason given'}): it cannot serve; name another with toVersion`
          : `Lambda reported no usable state for version ${version} (${state ?? 'none'})`;
  return fail(check, detail);
}

/** The alias already serves the known-good version: nothing about it changes. */
const same = (check: CheckName, version: string) => pass(check, `version ${version} is the live version`);

const lastPart = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

function roleCheck(current: VersionFacts, target: VersionFacts): Check {
  const check = 'same-role';
  const [was, now] = [target.role ?? 'none', current.role ?? 'none'];
  if (target.version === current.version) return same(check, target.version);
  if (was === now)
    return pass(check, `versions ${target.version} and ${current.version} run as role ${lastPart(was)}`);
  return fail(
    check,
    `version ${target.version} runs as role ${lastPart(was)}, version ${current.version} as ${lastPart(now)}: a rollback also switches back to ${lastPart(was)}; check it still exists and grants what version ${target.version} calls`,
  );
}

/** A dead-letter target as `queue name` or `topic name` (DeadLetterConfig takes an SQS queue or SNS topic ARN). */
function deadLetter(arn: string | undefined): string {
  if (!arn) return 'no dead-letter queue';
  const [, , service, , , name = arn] = arn.split(':');
  return service === 'sns' ? `topic ${name}` : `queue ${name}`;
}

function dlqCheck(current: VersionFacts, target: VersionFacts): Check {
  const check = 'same-dlq';
  const [was, now] = [target.deadLetterTarget, current.deadLetterTarget];
  if (target.version === current.version) return same(check, target.version);
  if (was === now) {
    return pass(check, `versions ${target.version} and ${current.version} both have ${deadLetter(was)}`);
  }
  const consequence = was
    ? `after a rollback failed asynchronous events go to ${deadLetter(was)}; check it still exists`
    : 'after a rollback failed asynchronous events are dropped once retries run out';
  return fail(
    check,
    `version ${target.version} has ${deadLetter(was)}, version ${current.version} ${deadLetter(now)}: ${consequence}`,
  );
}
