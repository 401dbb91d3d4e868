import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it, vi } from 'vitest';
import {
  alive,
  assertLoopbackEndpoint,
  ensureLambdaRole,
  FORK_SERVER_ENV,
  freeLoopbackPort,
  MotoStartError,
  MotoUnavailableError,
  resetMoto,
  startMoto,
  startMotoForkServer,
} from '../../local/moto.js';
import { projectRoot } from '../../local/template.js';
import { uniqueName } from '../support/names.js';

const PIP_HINT = 'pip install "moto[server]"';

async function motoConfig(endpoint: string): Promise<unknown> {
  const response = await fetch(`${endpoint}/moto-api/config`);
  return response.json();
}

/** The start of each Python script below: local/moto_server.py loaded as `launcher` (needs `importlib.util`). */
const LAUNCHER = `spec = importlib.util.spec_from_file_location("launcher", "local/moto_server.py")
launcher = importlib.util.module_from_spec(spec); spec.loader.exec_module(launcher)`;
/** moto's own server app as a werkzeug test `client`: requests served in the script's process. */
const APP_CLIENT = `from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.test import Client
client = Client(DomainDispatcherApplication(create_backend_app))`;
/** Headers moto takes as signed for `service`, and a Query API (form-encoded Action) caller through `client`. */
const QUERY_API = `def signed(service):
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20261128/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=x"}
def query_api(service, version):
    return lambda action, **params: client.post("/", data={"Action": action, "Version": version, **params}, headers=signed(service))`;

describe('the shared moto server', () => {
  it('is on 127.0.0.1, answers, and is what the SDK is pointed at', async () => {
    // Prepare
    const endpoint = inject('motoEndpoint');

    // Act
    const response = await fetch(`${endpoint}/moto-api/`);

    // Assess
    expect(new URL(endpoint).hostname).toBe('127.0.0.1');
    expect(response.ok).toBe(true);
    expect(process.env.AWS_ENDPOINT_URL).toBe(endpoint);
    expect(process.env.AWS_MAX_ATTEMPTS).toBe('1');
  });

  it('lets Lambda functions be created without Docker', async () => {
    expect(await motoConfig(inject('motoEndpoint'))).toMatchObject({ lambda: { use_docker: false } });
  });
});

describe('assertLoopbackEndpoint', () => {
  const refused: Array<{ case: string; env: NodeJS.ProcessEnv }> = [
    { case: 'a missing endpoint', env: {} },
    { case: 'an empty endpoint', env: { AWS_ENDPOINT_URL: '' } },
    { case: 'a real AWS endpoint', env: { AWS_ENDPOINT_URL: 'https://lambda.us-east-1.amazonaws.com' } },
    { case: 'localhost', env: { AWS_ENDPOINT_URL: 'http://localhost:4566' } },
    { case: 'a look-alike host', env: { AWS_ENDPOINT_URL: 'http://127.0.0.1.example.com:5000' } },
    { case: 'something that is not a URL', env: { AWS_ENDPOINT_URL: '127.0.0.1:5000' } },
  ];

  it.each(refused)('refuses $case, naming AWS_ENDPOINT_URL', ({ env }) => {
    expect(() => assertLoopbackEndpoint(env)).toThrow(/AWS_ENDPOINT_URL/);
  });

  it('refuses a per-service endpoint that is not 127.0.0.1, since it wins over AWS_ENDPOINT_URL', () => {
    // Prepare
    const env = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
      AWS_ENDPOINT_URL_LAMBDA: 'https://lambda.us-east-1.amazonaws.com',
    };

    // Act & Assess
    expect(() => assertLoopbackEndpoint(env)).toThrow(/AWS_ENDPOINT_URL_LAMBDA/);
  });

  it('refuses AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, which would make the SDK skip the endpoint', () => {
    // Prepare
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' };

    // Act & Assess
    expect(() => assertLoopbackEndpoint(env)).toThrow(/AWS_IGNORE_CONFIGURED_ENDPOINT_URLS/);
  });

  it('accepts 127.0.0.1 and returns the parsed endpoint', () => {
    // Act
    const url = assertLoopbackEndpoint({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:5001',
    });

    // Assess
    expect(url.port).toBe('5000');
  });
});

describe('Lambda in moto', () => {
  const lambda = new LambdaClient({});

  it('creates a function from any zip bytes once its role exists', async () => {
    // Prepare
    const role = await ensureLambdaRole(inject('motoEndpoint'));
    const FunctionName = uniqueName('harness');

    // Act
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName,
        Role: role,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Code: { ZipFile: Buffer.from('fake') },
        Publish: true,
      }),
    );

    // Assess
    expect(created.Version).toBe('1');
    const fetched = await lambda.send(new GetFunctionCommand({ FunctionName }));
    expect(fetched.Configuration?.State).toBe('Active');
  });

  it('refuses a function whose role does not exist', async () => {
    // Prepare
    const command = new CreateFunctionCommand({
      FunctionName: uniqueName('harness-no-role'),
      Role: `arn:aws:iam::123456789012:role/${uniqueName('missing')}`,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Code: { ZipFile: Buffer.from('fake') },
    });

    // Act & Assess
    await expect(lambda.send(command)).rejects.toThrow(/cannot be assumed by Lambda/);
  });

  it('ensureLambdaRole is idempotent', async () => {
    // Prepare
    const endpoint = inject('motoEndpoint');
    const roleName = uniqueName('harness-role');

    // Act
    const first = await ensureLambdaRole(endpoint, roleName);
    const second = await ensureLambdaRole(endpoint, roleName);

    // Assess
    expect(first).toBe(`arn:aws:iam::123456789012:role/${roleName}`);
    expect(second).toBe(first);
  });
});

describe('startMoto', () => {
  it('throws MotoUnavailableError with the pip hint when python3 is not found', async () => {
    // Act
    const starting = startMoto({ python: '/nonexistent/bin/python3' });

    // Assess
    await expect(starting).rejects.toBeInstanceOf(MotoUnavailableError);
    await expect(starting).rejects.toThrow(PIP_HINT);
    await expect(starting).rejects.toThrow(/was not found/);
  });

  it('throws MotoUnavailableError with the pip hint when moto cannot be imported', async () => {
    // Prepare: `false` runs and fails, like a python3 without moto.
    const starting = startMoto({ python: 'false' });

    // Assess
    await expect(starting).rejects.toBeInstanceOf(MotoUnavailableError);
    await expect(starting).rejects.toThrow(PIP_HINT);
  });

  it('says plainly when the requested port is taken', async () => {
    // Prepare
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;

    try {
      // Act
      const starting = startMoto({ port });

      // Assess
      await expect(starting).rejects.toBeInstanceOf(MotoStartError);
      await expect(starting).rejects.toThrow(`Port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('starts a private server whose reset keeps Lambda off Docker, and stops it idempotently', async () => {
    // Prepare: its own server, because resetting the shared one would wipe other files' resources.
    const moto = await startMoto();

    try {
      // Act
      await resetMoto(moto.endpoint);

      // Assess
      expect(await motoConfig(moto.endpoint)).toMatchObject({ lambda: { use_docker: false } });
    } finally {
      await moto.stop();
    }
    await moto.stop();
    await expect(fetch(`${moto.endpoint}/moto-api/`)).rejects.toThrow();
  });
});

describe('the moto fork server (RUNBOOK_MOTO_FORK_SERVER, which test/setup.ts sets)', () => {
  // The region and credentials are the run's (test/setup.ts); only the endpoint is each fork's.
  const clientOf = (endpoint: string) => new SQSClient({ endpoint });

  it('forks each server empty (nothing of the warm-up, nothing of another fork) and stops it by its pid', async () => {
    // Prepare
    expect(process.env[FORK_SERVER_ENV]).toMatch(/fork\.sock$/);
    const first = await startMoto();
    const second = await startMoto();

    try {
      // Act
      await clientOf(first.endpoint).send(new CreateQueueCommand({ QueueName: 'only-in-the-first' }));
      const inFirst = await clientOf(first.endpoint).send(new ListQueuesCommand({}));
      const inSecond = await clientOf(second.endpoint).send(new ListQueuesCommand({}));
      const tables = await new DynamoDBClient({ endpoint: second.endpoint }).send(new ListTablesCommand({}));

      // Assess
      expect(second.port).not.toBe(first.port);
      expect(inFirst.QueueUrls).toEqual([expect.stringMatching(/\/only-in-the-first$/)]);
      expect(inSecond.QueueUrls ?? []).toEqual([]);
      expect(tables.TableNames).toEqual([]);
      expect(await motoConfig(first.endpoint)).toMatchObject({ lambda: { use_docker: false } });
    } finally {
      await first.stop();
      await second.stop();
    }
    await expect(fetch(`${first.endpoint}/moto-api/`)).rejects.toThrow();
    await expect(fetch(`${second.endpoint}/moto-api/`)).rejects.toThrow();
  });

  it('stops a forked server by itself once the process that asked for it is gone', async () => {
    // Prepare: a process that asks for a server as local/moto.ts does, prints its pid, and is then killed
    // without stopping it.
    const port = await freeLoopbackPort();
    const asker = spawn(
      process.execPath,
      [
        '-e',
        `const s = require('node:net').createConnection(process.argv[1]);
         let t = ''; s.on('data', (c) => (t += c)); s.on('end', () => { process.stdout.write(t); setInterval(() => {}, 1000); });
         s.end(JSON.stringify({ port: Number(process.argv[2]), owner: process.pid }) + '\\n');`,
        process.env[FORK_SERVER_ENV] as string,
        String(port),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const answer = await new Promise<string>((resolve) =>
      asker.stdout.once('data', (chunk) => resolve(String(chunk))),
    );
    const endpoint = `http://127.0.0.1:${port}`;
    const { pid } = JSON.parse(answer) as { pid: number };
    await expect
      .poll(
        () =>
          fetch(`${endpoint}/moto-api/`).then(
            (r) => r.ok,
            () => false,
          ),
        { timeout: 10_000 },
      )
      .toBe(true);

    // Act
    asker.kill('SIGKILL');

    // Assess
    await expect
      .poll(
        () =>
          fetch(`${endpoint}/moto-api/`).then(
            () => 'answers',
            () => 'gone',
          ),
        { timeout: 10_000 },
      )
      .toBe('gone');
    // Its process is gone too (reaped by the fork server), a moment after its socket closed.
    await expect.poll(() => alive(pid), { timeout: 10_000 }).toBe(false);
  });

  it('stops a directly started server by itself once the process that started it is gone (SIGKILL)', async () => {
    // Prepare: a process that starts moto as local/moto.ts does without a fork server (`runbook emulator` on an
    // operator's machine), prints its pid, and is then killed without stopping it
    const port = await freeLoopbackPort();
    const starter = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('node:child_process').spawn('python3', [process.argv[1], '-H', '127.0.0.1', '-p', process.argv[2]], { stdio: 'ignore' });
         process.stdout.write(String(c.pid)); setInterval(() => {}, 1000);`,
        join(projectRoot, 'local', 'moto_server.py'),
        String(port),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const pid = Number(
      await new Promise<string>((resolve) => starter.stdout.once('data', (c) => resolve(String(c)))),
    );
    const endpoint = `http://127.0.0.1:${port}`;
    const answers = () =>
      fetch(`${endpoint}/moto-api/`).then(
        () => 'answers',
        () => 'gone',
      );
    await expect.poll(answers, { timeout: 30_000, interval: 200 }).toBe('answers');

    // Act
    starter.kill('SIGKILL');

    // Assess: no orphan keeps the port (or the memory). Reparented, it is reaped by whatever runs as pid 1, which
    // may leave a zombie a while: that has ended too.
    const running = (id: number) => {
      try {
        return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${id}/stat`, 'utf8'));
      } catch {
        return existsSync('/proc/self') ? false : alive(id);
      }
    };
    await expect.poll(answers, { timeout: 10_000 }).toBe('gone');
    await expect.poll(() => running(pid), { timeout: 10_000 }).toBe(false);
  });

  it('starts python3 and moto directly when no fork server is named', async () => {
    // Prepare
    vi.stubEnv(FORK_SERVER_ENV, '');

    // Act
    const moto = await startMoto();

    // Assess
    try {
      expect((await fetch(`${moto.endpoint}/moto-api/`)).ok).toBe(true);
      expect(await motoConfig(moto.endpoint)).toMatchObject({ lambda: { use_docker: false } });
    } finally {
      await moto.stop();
    }
  });

  it('says how to install moto when the fork server cannot start python3', async () => {
    // Act
    const starting = startMotoForkServer(join(tmpdir(), 'never.sock'), {
      python: '/nonexistent/bin/python3',
    });

    // Assess
    await expect(starting).rejects.toBeInstanceOf(MotoUnavailableError);
    await expect(starting).rejects.toThrow(PIP_HINT);
  });
});

describe('local/moto_server.py, the moto server local/moto.ts starts', () => {
  // The launcher's patches, driven in its own Python: the dispatcher's own work replaced by a request that
  // takes 50 ms and notes how many requests of each service were inside it at once.
  const probe = `
import importlib.util, json, sys, threading, time
${LAUNCHER}
import moto.backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
inside = {"now": {}, "most": {}}
count = threading.Lock()
def serve(self, environ, start_response):
    kind = environ["kind"]
    with count:
        for key in (kind, "all but sqs" if kind != "sqs" else "sqs"):
            inside["now"][key] = inside["now"].get(key, 0) + 1
            inside["most"][key] = max(inside["most"].get(key, 0), inside["now"][key])
    time.sleep(0.05)
    with count:
        for key in (kind, "all but sqs" if kind != "sqs" else "sqs"):
            inside["now"][key] -= 1
DomainDispatcherApplication.__call__ = serve
launcher._one_request_at_a_time_but_sqs()
launcher._keep_module_list()
app = DomainDispatcherApplication.__new__(DomainDispatcherApplication)
scope = "AWS4-HMAC-SHA256 Credential=testing/20261128/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=x"
requests = {
    "dynamodb": {"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.PutItem"},
    "cloudwatch": {"HTTP_AUTHORIZATION": scope.format("monitoring")},
    "sqs": {"HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage"},
    "sqs-query": {"HTTP_AUTHORIZATION": scope.format("sqs")},
}
def run(kind):
    app({**requests[kind], "kind": "sqs" if kind.startswith("sqs") else kind}, None)
threads = [threading.Thread(target=run, args=(k,)) for k in ["dynamodb", "cloudwatch", "sqs", "sqs-query"] * 3]
[t.start() for t in threads]; [t.join() for t in threads]
modules = moto.backends.list_of_moto_modules()
print(json.dumps({"most": inside["most"], "same": modules is moto.backends.list_of_moto_modules(),
                  "dynamodb": "dynamodb" in modules, "sqs": "sqs" in modules}))
`;

  // One run of the probe answers both tests below (each run imports moto and serves twelve requests).
  let probed: SpawnSyncReturns<string> | undefined;
  const probeOnce = () => {
    probed ??= spawnSync('python3', ['-c', probe], { cwd: projectRoot, encoding: 'utf8' });
    return probed;
  };

  it('serves requests one at a time (DynamoDB’s conditional writes atomic, CloudWatch’s lists whole), and SQS’s side by side', () => {
    // Act
    const result = probeOnce();

    // Assess
    expect(result.status, result.stderr).toBe(0);
    const seen = JSON.parse(result.stdout) as { most: Record<string, number> };
    expect(seen.most['all but sqs']).toBe(1);
    expect(seen.most.dynamodb).toBe(1);
    expect(seen.most.cloudwatch).toBe(1);
    // SQS's requests (a long poll holds one for seconds) overlapped one another.
    expect(seen.most.sqs).toBeGreaterThan(1);
  });

  it('lists moto’s service modules once, and routes with the same list', () => {
    // Act
    const result = probeOnce();

    // Assess
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ same: true, dynamodb: true, sqs: true });
  });

  // SQS's retention check on each message a receive returns, in moto's own backend: the same answer as moto
  // gives (a message past the queue's retention period ends the receive), without building the queue's
  // attribute map, which walks every message of the queue.
  const retention = `
import importlib.util, json, sys
${LAUNCHER}
if sys.argv[1:] == ["patched"]:
    launcher._retention_from_the_queue()
from moto.sqs.models import Queue, sqs_backends
backend = sqs_backends["123456789012"]["us-east-1"]
backend.create_queue("aged", MessageRetentionPeriod="60")
backend.send_message("aged", "kept")
backend.send_message("aged", "expired").sent_timestamp -= 61_000
maps = [0]
whole = Queue.attributes
def counted(self):
    maps[0] += 1
    return whole.fget(self)
Queue.attributes = property(counted)
received = backend.receive_message("aged", 10, 0, 30)
print(json.dumps({"received": [m.body for m in received], "attributeMaps": maps[0]}))
`;

  it('checks a received message against the queue’s retention period without building its attribute map', () => {
    // Act
    const shipped = spawnSync('python3', ['-c', retention], { cwd: projectRoot, encoding: 'utf8' });
    const patched = spawnSync('python3', ['-c', retention, 'patched'], {
      cwd: projectRoot,
      encoding: 'utf8',
    });

    // Assess
    expect(shipped.status, shipped.stderr).toBe(0);
    expect(patched.status, patched.stderr).toBe(0);
    const before = JSON.parse(shipped.stdout) as { received: string[]; attributeMaps: number };
    const after = JSON.parse(patched.stdout) as { received: string[]; attributeMaps: number };
    expect(after.received).toEqual(['kept']);
    expect(after.received).toEqual(before.received);
    expect(before.attributeMaps).toBeGreaterThan(0);
    expect(after.attributeMaps).toBe(0);
  });

  // The serializer's shortcuts, in moto's own server app: the same requests answered byte for byte as moto
  // answers them (request ids aside), for DynamoDB items holding every kind of attribute value (binary ones
  // going moto's own way) and for a service of another protocol (IAM's XML), errors included.
  const serializer = `
import importlib.util, json, re
${LAUNCHER}
${APP_CLIENT}
${QUERY_API}
def dynamodb(op, body):
    headers = {**signed("dynamodb"), "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"DynamoDB_20120810.{op}"}
    return client.post("/", data=json.dumps(body), headers=headers)
iam = query_api("iam", "2010-05-08")
table = {"TableName": "ledger"}
dynamodb("CreateTable", {**table, "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}, {"AttributeName": "at", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}, {"AttributeName": "at", "AttributeType": "S"}]})
every_type = {"s": {"S": "text"}, "n": {"N": "12.5"}, "b": {"B": "AAEC"}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]},
    "bs": {"BS": ["AAE=", "AgM="]}, "null": {"NULL": True}, "bool": {"BOOL": False}, "empty": {"L": []}, "none": {"M": {}},
    "nested": {"M": {"l": {"L": [{"S": "x"}, {"M": {"deep": {"N": "1"}, "b": {"B": "BAU="}}}, {"NULL": True}]}}}}
for i in range(3):
    dynamodb("PutItem", {**table, "Item": {"id": {"S": "k"}, "at": {"S": f"2026-11-28T0{i}"}, **every_type}})
iam("CreateRole", RoleName="probe", AssumeRolePolicyDocument="{}", Path="/ops/")
reads = [
    lambda: dynamodb("GetItem", {**table, "Key": {"id": {"S": "k"}, "at": {"S": "2026-11-28T00"}}}),
    lambda: dynamodb("Query", {**table, "KeyConditionExpression": "id = :k", "ExpressionAttributeValues": {":k": {"S": "k"}}, "ScanIndexForward": False, "Limit": 2}),
    lambda: dynamodb("Query", {**table, "KeyConditionExpression": "id = :k", "ExpressionAttributeValues": {":k": {"S": "k"}}, "ProjectionExpression": "nested.l, s, n"}),
    lambda: dynamodb("Scan", table),
    lambda: dynamodb("BatchGetItem", {"RequestItems": {"ledger": {"Keys": [{"id": {"S": "k"}, "at": {"S": "2026-11-28T01"}}]}}}),
    lambda: dynamodb("DescribeTable", table),
    lambda: dynamodb("GetItem", {"TableName": "missing", "Key": {"id": {"S": "k"}}}),
    lambda: iam("GetRole", RoleName="probe"),
    lambda: iam("ListRoles", PathPrefix="/ops/"),
    lambda: iam("GetRole", RoleName="missing"),
]
def answers():
    return [(r.status_code, re.sub(rb"<RequestId>[^<]*</RequestId>", b"", r.get_data())) for r in (read() for read in reads)]
shipped = answers()
launcher._faster_serializer()
launcher._attribute_values_direct()
patched = answers()
print(json.dumps({"same": shipped == patched, "statuses": [status for status, _ in patched],
                  "differ": [i for i, (a, b) in enumerate(zip(shipped, patched)) if a != b]}))
`;

  it('serializes responses byte for byte as moto does: member keys remembered, absent members skipped, DynamoDB attribute values as they are', () => {
    // Act
    const result = spawnSync('python3', ['-c', serializer], { cwd: projectRoot, encoding: 'utf8' });

    // Assess
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      same: true,
      statuses: [200, 200, 200, 200, 200, 200, 400, 200, 200, 404],
      differ: [],
    });
  });

  // The same check over random items: attribute values of every kind nested four deep, read back by GetItem,
  // Scan, Query with a projection and UpdateItem's ALL_NEW, as moto answers them and as patched.
  const randomItems = `
import importlib.util, json, random, sys
${LAUNCHER}
${APP_CLIENT}
def dynamodb(op, body):
    headers = {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20261128/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x",
               "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"DynamoDB_20120810.{op}"}
    return client.post("/", data=json.dumps(body), headers=headers)
rng = random.Random(int(sys.argv[1]))
def value(depth=0):
    kind = rng.choice(["S", "N", "BOOL", "NULL", "SS", "NS", "B", "BS"] + (["M", "L"] * 3 if depth < 4 else []))
    return {
        "S": lambda: {"S": rng.choice(["", "x", "\\u00fc\\u2028\\"\\\\", "<RequestId>"])},
        "N": lambda: {"N": rng.choice(["0", "-1.5", "1e10", "12345678901234567890"])},
        "BOOL": lambda: {"BOOL": rng.random() < 0.5},
        "NULL": lambda: {"NULL": True},
        "SS": lambda: {"SS": sorted({rng.choice("abcdef") for _ in range(3)})},
        "NS": lambda: {"NS": sorted({str(rng.randint(0, 9)) for _ in range(3)})},
        "B": lambda: {"B": rng.choice(["AAEC", "AA=="])},
        "BS": lambda: {"BS": ["AAE=", "AgM="]},
        "M": lambda: {"M": {f"k{i}": value(depth + 1) for i in range(rng.randint(0, 4))}},
        "L": lambda: {"L": [value(depth + 1) for _ in range(rng.randint(0, 4))]},
    }[kind]()
dynamodb("CreateTable", {"TableName": "t", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]})
for i in range(60):
    dynamodb("PutItem", {"TableName": "t", "Item": {"id": {"S": f"i{i}"}, **{f"a{j}": value() for j in range(rng.randint(1, 6))}}})
update = {"TableName": "t", "Key": {"id": {"S": "i2"}}, "UpdateExpression": "SET z = :z",
          "ExpressionAttributeValues": {":z": {"M": {"n": {"N": "1"}, "l": {"L": [{"S": "q"}, {"B": "AA=="}]}}}}, "ReturnValues": "ALL_NEW"}
dynamodb("UpdateItem", update)
reads = [lambda i=i: dynamodb("GetItem", {"TableName": "t", "Key": {"id": {"S": f"i{i}"}}}) for i in range(60)] + [
    lambda: dynamodb("Scan", {"TableName": "t"}),
    lambda: dynamodb("Query", {"TableName": "t", "KeyConditionExpression": "id = :k", "ExpressionAttributeValues": {":k": {"S": "i3"}}, "ProjectionExpression": "a0, a1"}),
    lambda: dynamodb("UpdateItem", update)]
def answers():
    return [(r.status_code, r.get_data().decode()) for r in (read() for read in reads)]
shipped = answers()
launcher._faster_serializer()
launcher._attribute_values_direct()
patched = answers()
print(json.dumps({"differ": [i for i, (a, b) in enumerate(zip(shipped, patched)) if a != b],
                  "statuses": sorted({status for status, _ in patched}), "reads": len(patched)}))
`;

  it.each([1, 2])('writes random nested attribute values byte for byte as moto does (seed %i)', (seed) => {
    // Act
    const result = spawnSync('python3', ['-c', randomItems, String(seed)], {
      cwd: projectRoot,
      encoding: 'utf8',
    });

    // Assess
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ differ: [], statuses: [200], reads: 63 });
  });

  // DescribeAlarms's StateValue with the other selectors, in moto's own server app: moto answers the first
  // selector alone; patched, the state filters what it selected, as CloudWatch does.
  const alarmStates = `
import importlib.util, json, sys
${LAUNCHER}
${APP_CLIENT}
${QUERY_API}
cloudwatch = query_api("monitoring", "2010-08-01")
for name in ["fx-errors", "fx-stale", "rates-errors"]:
    cloudwatch("PutMetricAlarm", AlarmName=name, MetricName="Errors", Namespace="AWS/Lambda", Statistic="Sum",
               Period="60", EvaluationPeriods="1", Threshold="1", ComparisonOperator="GreaterThanThreshold")
for name in ["fx-errors", "rates-errors"]:
    cloudwatch("SetAlarmState", AlarmName=name, StateValue="ALARM", StateReason="probe")
def names(**params):
    body = cloudwatch("DescribeAlarms", **params).get_data().decode()
    return sorted(n for n in ["fx-errors", "fx-stale", "rates-errors"] if f"<AlarmName>{n}</AlarmName>" in body)
if sys.argv[1:] == ["patched"]:
    launcher._alarm_state_with_names()
print(json.dumps({
    "prefixInAlarm": names(AlarmNamePrefix="fx-", StateValue="ALARM"),
    "namesOk": names(**{"AlarmNames.member.1": "fx-errors", "AlarmNames.member.2": "fx-stale"}, StateValue="OK"),
    "prefix": names(AlarmNamePrefix="fx-"),
    "inAlarm": names(StateValue="ALARM"),
    "all": names(),
}))
`;

  it('applies DescribeAlarms’s StateValue to the alarms a prefix or names select, as CloudWatch does (moto ignores it)', () => {
    // Act
    const answer = (...args: string[]) => {
      const result = spawnSync('python3', ['-c', alarmStates, ...args], {
        cwd: projectRoot,
        encoding: 'utf8',
      });
      expect(result.status, result.stderr).toBe(0);
      return JSON.parse(result.stdout);
    };
    const shipped = answer();
    const patched = answer('patched');

    // Assess: moto as shipped answers the selector alone; patched, the state filters it
    expect(shipped.prefixInAlarm).toEqual(['fx-errors', 'fx-stale']);
    expect(patched).toEqual({
      prefixInAlarm: ['fx-errors'],
      namesOk: ['fx-stale'],
      prefix: ['fx-errors', 'fx-stale'],
      inAlarm: ['fx-errors', 'rates-errors'],
      all: ['fx-errors', 'fx-stale', 'rates-errors'],
    });
    // Without the two together, the same answers as moto's own.
    for (const key of ['prefix', 'inAlarm', 'all']) expect(patched[key]).toEqual(shipped[key]);
  });

  // The list of a response class's methods, kept per class: the same answers as moto gives (request ids
  // aside), an error among them, and the class listed once however many requests it serves.
  const methodNames = `
import importlib.util, inspect, json, re
${LAUNCHER}
${APP_CLIENT}
${QUERY_API}
sns = query_api("sns", "2010-03-31")
listed = [0]
members = inspect.getmembers
def counted(*args, **kwargs):
    listed[0] += 1
    return members(*args, **kwargs)
inspect.getmembers = counted
def answers():
    missing = "arn:aws:sns:us-east-1:123456789012:missing"
    replies = [sns("CreateTopic", Name="probe"), sns("ListTopics"), sns("GetTopicAttributes", TopicArn=missing)]
    return [(r.status_code, re.sub(rb"<RequestId>[^<]*</RequestId>", b"", r.get_data())) for r in replies]
shipped = answers()
listed_shipped, listed[0] = listed[0], 0
launcher._method_names_once_per_class()
patched = answers() + answers()
print(json.dumps({"same": patched == shipped + shipped, "statuses": [status for status, _ in patched],
                  "listedShipped": listed_shipped, "listedPatched": listed[0]}))
`;

  it('lists a response class’s methods once, answering every action as moto does', () => {
    // Act
    const result = spawnSync('python3', ['-c', methodNames], { cwd: projectRoot, encoding: 'utf8' });

    // Assess
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      same: true,
      statuses: [200, 200, 404, 200, 200, 404],
      listedShipped: 3,
      listedPatched: 1,
    });
  });
  // Four more shortcuts, each in a fresh process run as moto ships and as patched, on the same requests
  // through moto's own server app: the same answers (request ids aside), with the repeated work counted.
  // - DynamoDB: an item's size summed once as its attributes are added (LimitedSizeDict re-summed the whole
  //   item at each one), an item past 400 KB still refused;
  // - SQS GetQueueAttributes: the queue's attribute map (which walks every message) built once a request, and
  //   its message counts taken at one instant (moto read the clock once per message and per test);
  // - moto's name conversion (ReceiveMessage → receive_message), kept per name;
  // - the 52-character request id drawn in one call.
  const repeated = `
import importlib.util, json, re, sys
${LAUNCHER}
import moto.core.utils
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.sqs.models import Queue
counts = {"sizes": 0, "maps": 0, "conversions": 0}
size, whole, convert = DynamoType.size, Queue.attributes, moto.core.utils.camelcase_to_underscores
def sized(self):
    counts["sizes"] += 1
    return size(self)
def mapped(self):
    counts["maps"] += 1
    return whole.fget(self)
def converted(name):
    counts["conversions"] += 1
    return convert(name)
DynamoType.size, Queue.attributes, moto.core.utils.camelcase_to_underscores = sized, property(mapped), converted
for module in list(sys.modules.values()):
    if getattr(module, "camelcase_to_underscores", None) is convert:
        module.camelcase_to_underscores = converted
if sys.argv[1:] == ["patched"]:
    launcher._names_converted_once()
    launcher._request_ids_in_one_draw()
    launcher._item_size_summed_once()
    launcher._queue_attributes_read_once()
    launcher._queue_counts_at_one_instant()
${APP_CLIENT}
def call(service, target, body):
    headers = {"Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20261128/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=x",
               "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target}
    return client.post("/", data=json.dumps(body), headers=headers)
dynamodb = lambda op, body: call("dynamodb", f"DynamoDB_20120810.{op}", body)
sqs = lambda op, body: call("sqs", f"AmazonSQS.{op}", body)
dynamodb("CreateTable", {"TableName": "t", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]})
url = json.loads(sqs("CreateQueue", {"QueueName": "q"}).get_data())["QueueUrl"]
for i in range(5):
    sqs("SendMessage", {"QueueUrl": url, "MessageBody": f"m{i}"})
for i in range(2):
    sqs("SendMessage", {"QueueUrl": url, "MessageBody": f"later{i}", "DelaySeconds": 60})
sqs("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 1, "VisibilityTimeout": 60})
wide = {f"field{i:02d}": {"M": {"before": {"S": "x" * 40}, "after": {"N": str(i)}}} for i in range(30)}
replies, ids = [], []
def note(reply):
    ids.append(reply.headers.get("x-amzn-requestid", ""))
    replies.append((reply.status_code, reply.get_data().decode()))
counts["sizes"] = 0
note(dynamodb("PutItem", {"TableName": "t", "Item": {"id": {"S": "wide"}, **wide}}))
sizes_for_wide = counts["sizes"]
for length in (404_900, 405_100):
    note(dynamodb("PutItem", {"TableName": "t", "Item": {"id": {"S": "big"}, "blob": {"S": "x" * length}}}))
note(dynamodb("GetItem", {"TableName": "t", "Key": {"id": {"S": "wide"}}}))
counts["maps"] = 0
note(sqs("GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["ApproximateNumberOfMessages", "QueueArn", "DelaySeconds",
    "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]}))
maps_for_three = counts["maps"]
note(sqs("GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]}))
note(sqs("GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["NoSuchAttribute"]}))
counts["conversions"] = 0
for _ in range(3):
    note(sqs("GetQueueUrl", {"QueueName": "q"}))
answers = [(status, re.sub(r'"(QueueArn|CreatedTimestamp|LastModifiedTimestamp)": ?"[^"]*"', "", body)) for status, body in replies]
print(json.dumps({"answers": answers, "sizesForWide": sizes_for_wide, "mapsForOneRead": maps_for_three,
    "conversionsForThree": counts["conversions"], "ids": sorted({len(i) for i in ids}),
    "idsAlphanumeric": all(re.fullmatch("[A-Za-z0-9]+", i) for i in ids), "idsDistinct": len(set(ids)) == len(ids)}))
`;

  it('sizes an item, builds a queue’s attributes and converts a name once, answering as moto does', () => {
    // Act
    const run = (...args: string[]) => {
      const result = spawnSync('python3', ['-c', repeated, ...args], { cwd: projectRoot, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      return JSON.parse(result.stdout);
    };
    const shipped = run();
    const patched = run('patched');

    // Assess: the same answers, the 400 KB limit where it was, the same request ids' shape
    expect(patched.answers).toEqual(shipped.answers);
    expect(patched.answers.map(([status]: [number]) => status)).toEqual([
      200, 200, 400, 200, 200, 200, 400, 200, 200, 200,
    ]);
    expect(patched.answers[2][1]).toContain('Item size has exceeded the maximum allowed size');
    for (const ids of [shipped, patched])
      expect(ids).toMatchObject({ ids: [52], idsAlphanumeric: true, idsDistinct: true });
    // The repeated work: 31 attributes sized once each (moto: once per attribute already there, each time);
    // one attribute map for five names (moto: three per name); a name converted once, not per request.
    expect(shipped.sizesForWide).toBeGreaterThan(400);
    expect(patched.sizesForWide).toBeLessThan(100);
    expect(shipped.mapsForOneRead).toBeGreaterThanOrEqual(9);
    expect(patched.mapsForOneRead).toBe(1);
    expect(shipped.conversionsForThree).toBeGreaterThanOrEqual(3);
    expect(patched.conversionsForThree).toBeLessThan(shipped.conversionsForThree);
  });
});
