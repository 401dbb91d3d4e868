// Every route that something calls — the runbook CLI (cli/) and the deploy workflows (.github/workflows) —
// must be in the ops API's one OpenAPI body, as CloudFormation receives it after the SAM transform. A route
// declared beside it (a raw AWS::ApiGatewayV2::Route) is deleted by API Gateway when a later deploy re-imports
// a changed body, while CloudFormation still lists it: the call would answer 404 after an unrelated deploy.
// The CLI's routes are not listed by hand: each API command is run against a local recorder and the
// requests it sends are the routes.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  approvalCommand,
  approveCommand,
  dlqCommand,
  fleetCommand,
  healthCommand,
  rejectCommand,
  rollbackCommand,
  schedulesCommand,
  secretCommand,
} from '../../cli/commands.js';
import { projectRoot } from '../../local/template.js';
import { isObject, resourcesOfType } from './intrinsics.js';
import { transformedTemplate } from './sam-transform.js';

const STAGE = '/prod';
const APPROVAL_ID = '20261122T154501123Z-3fa9c2d1';
const deps = {
  credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'recorder-does-not-check' }),
  region: 'eu-west-1',
};

/** Each API command of the CLI, as an operator would type it (the recorder answers every call with 200). */
const commands: [string, (url: string) => Promise<number>][] = [
  ['health', (url) => healthCommand(['--api-url', url], deps)],
  ['health --metadata', (url) => healthCommand(['--metadata', '--api-url', url], deps)],
  [
    'rollback',
    (url) =>
      rollbackCommand(
        ['--function', 'f', '--to-version', '7', '--reason', 'r', '--yes', '--api-url', url],
        deps,
      ),
  ],
  [
    'schedules disable',
    (url) =>
      schedulesCommand(
        ['disable', '--group', 'g', '--all', '--reason', 'r', '--yes', '--api-url', url],
        deps,
      ),
  ],
  [
    'schedules enable',
    (url) =>
      schedulesCommand(['enable', '--restore-id', 'ks-1', '--reason', 'r', '--yes', '--api-url', url], deps),
  ],
  ['schedules status', (url) => schedulesCommand(['status', '--group', 'g', '--api-url', url], deps)],
  [
    'dlq drain',
    (url) => dlqCommand(['drain', '--queue', 'q', '--reason', 'r', '--yes', '--api-url', url], deps),
  ],
  ['dlq peek', (url) => dlqCommand(['peek', '--queue', 'q', '--reason', 'r', '--api-url', url], deps)],
  ['fleet status', (url) => fleetCommand(['status', '--api-url', url], deps)],
  ...(['rollback', 'disable', 'enable', 'drain'] as const).map(
    (action): [string, (url: string) => Promise<number>] => [
      `fleet ${action}`,
      (url) => fleetCommand([action, '--all', '--reason', 'r', '--yes', '--api-url', url], deps),
    ],
  ),
  [
    'fleet undo',
    (url) =>
      fleetCommand(
        ['undo', '--audit-id', '20261122T154501123Z-3fa9c2d1', '--reason', 'r', '--yes', '--api-url', url],
        deps,
      ),
  ],
  [
    'secret revoke-previous',
    (url) =>
      secretCommand(
        ['revoke-previous', '--secret-id', 's', '--emergency', '--reason', 'r', '--yes', '--api-url', url],
        deps,
      ),
  ],
  ['approve', (url) => approveCommand([APPROVAL_ID, '--reason', 'checked', '--api-url', url], deps)],
  ['reject', (url) => rejectCommand([APPROVAL_ID, '--api-url', url], deps)],
  ['approval', (url) => approvalCommand([APPROVAL_ID, '--api-url', url], deps)],
];

let server: Server;
let apiUrl: string;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://recorder').pathname;
      requests.push(`${request.method} ${path.startsWith(STAGE) ? path.slice(STAGE.length) : path}`);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ ok: true, status: 'ok', dryRun: true, plan: [], cases: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${STAGE}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** `METHOD /path` of every operation in the ops API's OpenAPI body after the transform. */
function routesInTheBody(): string[] {
  return resourcesOfType(transformedTemplate(), 'AWS::ApiGatewayV2::Api').flatMap(([, api]) => {
    const body = api.Properties?.Body;
    const paths = isObject(body) && isObject(body.paths) ? body.paths : {};
    return Object.entries(paths).flatMap(([path, methods]) =>
      Object.keys(isObject(methods) ? methods : {}).map((method) => `${method.toUpperCase()} ${path}`),
    );
  });
}

/** The routes the workflows call with curl on the stack's API URL (`"$url/health/metadata"`): GETs. */
function workflowRoutes(): string[] {
  const dir = join(projectRoot, '.github', 'workflows');
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .flatMap((name) => {
      const text = readFileSync(join(dir, name), 'utf8');
      return [...text.matchAll(/\$\{?url\}?(\/[A-Za-z0-9/_-]+)/g)].map((match) => {
        if (/--data|-X\s*POST|--request\s+POST/.test(text)) throw new Error(`${name}: tell its method`);
        return `GET ${match[1]}`;
      });
    });
}

describe('the routes that are called', () => {
  const results: { name: string; code: number; sent: number }[] = [];

  beforeAll(async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      for (const [name, run] of commands) {
        const before = requests.length;
        const code = await run(apiUrl);
        results.push({ name, code, sent: requests.length - before });
      }
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('runs every API command of the CLI against the recorder, each reaching the API once', () => {
    expect(results).toEqual(commands.map(([name]) => ({ name, code: 0, sent: 1 })));
  });

  it('finds every literal API path of cli/ among the routes the commands sent', () => {
    // A new route added to the CLI without a command above would otherwise go unchecked.
    const dir = join(projectRoot, 'cli');
    const literals = readdirSync(dir)
      .filter((name) => name.endsWith('.ts'))
      .flatMap((name) =>
        readFileSync(join(dir, name), 'utf8')
          .split('\n')
          .filter((line) => /\b(path|route):/.test(line))
          .flatMap((line) => [...line.matchAll(/'(\/[a-z][a-z/-]*)'/g)].map((match) => match[1] as string)),
      );
    const sentPaths = requests.map((request) => request.slice(request.indexOf(' ') + 1));
    expect(literals.length).toBeGreaterThanOrEqual(5);
    expect(literals.filter((path) => !sentPaths.includes(path))).toEqual([]);
  });

  it('finds every route the CLI and the workflows call in the OpenAPI body CloudFormation receives', () => {
    // Prepare
    const called = [...new Set([...requests, ...workflowRoutes()])].sort();

    // Act
    const inBody = routesInTheBody();
    // A declared route `POST /approvals/{id}/approve` matches a called `POST /approvals/2026…/approve`.
    const literal = (text: string) => text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    const patterns = inBody.map((route) => new RegExp(`^${literal(route).replace(/\{[^/]+\}/g, '[^/]+')}$`));

    // Assess
    expect(called).toContain('GET /health/metadata');
    expect(called).toContain('POST /approvals/20261122T154501123Z-3fa9c2d1/approve');
    expect(called.filter((route) => !patterns.some((pattern) => pattern.test(route)))).toEqual([]);
  });

  it('leaves no route outside that body', () => {
    const template = transformedTemplate();
    const outside = Object.entries(template.Resources)
      .filter(([, resource]) => /^AWS::ApiGatewayV2::(Route|Integration)$/.test(resource.Type))
      .map(([name]) => name);
    expect(outside).toEqual([]);
  });
});
