// What moto's CloudWatch lacks for the canary analyst: GetMetricData with a percentile statistic (p99, p90…)
// answers 500 on moto, which computes only Sum, Average, Minimum, Maximum and SampleCount. This stand-in sits
// in front of moto on 127.0.0.1 (local only, never bundled): every request is passed to moto unchanged, and
// it keeps the samples of each PutMetricData that passes through (Values/Counts, or Value), so a GetMetricData
// query with a percentile statistic is answered from those samples as CloudWatch would (nearest rank over
// the period's samples); the other queries of the same request still go to moto.
// It also keeps what moto records but does not serve: moto 5 keeps an alarm's previous states internally on
// SetAlarmState, but has no DescribeAlarmHistory (it answers 500). Each SetAlarmState that passes through and
// changes the alarm's state is kept as CloudWatch's StateUpdate history item (summary and HistoryData JSON with
// the old and new state), and DescribeAlarmHistory is answered from them (the incident timeline reads it).
// Alarm states set straight on moto, bypassing the stand-in, have no history here. `runbook emulator` runs one
// for its whole life and exports it (AWS_ENDPOINT_URL_CLOUDWATCH), so every process pointed at it shares one
// history; local/codedeploy/local.ts starts one of its own only for a stack that has none.
// The SDK speaks CloudWatch's JSON 1.0 protocol (`X-Amz-Target: GraniteServiceVersion20100801.<Op>`).
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Dimension {
  Name: string;
  Value: string;
}

interface Sample {
  key: string;
  at: number;
  value: number;
  count: number;
}

interface Query {
  Id: string;
  Label?: string;
  MetricStat?: {
    Metric: { Namespace: string; MetricName: string; Dimensions?: Dimension[] };
    Period: number;
    Stat: string;
  };
}

const TARGET = 'GraniteServiceVersion20100801.';
const PERCENTILE = /^p(\d{1,2}(\.\d+)?)$/;

const keyOf = (namespace: string, name: string, dimensions: Dimension[] = []) =>
  `${namespace}|${name}|${[...dimensions]
    .map((dimension) => `${dimension.Name}=${dimension.Value}`)
    .sort()
    .join(',')}`;
// The SDK sends timestamps as epoch seconds; accept ISO text too.
const seconds = (value: unknown) =>
  typeof value === 'number' ? value : Date.parse(String(value)) / 1000 || Date.now() / 1000;

/** Nearest-rank percentile of weighted samples. */
function percentile(samples: Sample[], p: number): number | undefined {
  const total = samples.reduce((sum, sample) => sum + sample.count, 0);
  if (total === 0) return undefined;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (const sample of [...samples].sort((a, b) => a.value - b.value)) {
    seen += sample.count;
    if (seen >= rank) return sample.value;
  }
  return undefined;
}

interface HistoryItem {
  AlarmName: string;
  AlarmType: 'MetricAlarm' | 'CompositeAlarm';
  Timestamp: number;
  HistoryItemType: 'StateUpdate';
  HistorySummary: string;
  HistoryData: string;
}

export class CloudWatchStandIn {
  private readonly samples: Sample[] = [];
  private readonly history: HistoryItem[] = [];

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    private readonly upstream: URL,
  ) {}

  static async start(upstream: string): Promise<CloudWatchStandIn> {
    let standIn: CloudWatchStandIn | undefined;
    const server = createServer((request, response) => {
      void standIn?.handle(request, response).catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify({ __type: 'InternalFailure', message: String(error) }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    // The SDK keeps its connections alive; a server that closes an idle one (Node's default after 5 s) races
    // with the client's next request on it, which then fails with "socket hang up" — once is fatal with the
    // single attempt the tests and drills use. A loopback stand-in can keep them for as long as the client does,
    // but unreferenced: an idle connection must not keep a finished command's process alive (a request in
    // flight still does, through the client's side).
    server.keepAliveTimeout = 0;
    server.on('connection', (socket) => socket.unref());
    server.unref();
    const { port } = server.address() as AddressInfo;
    standIn = new CloudWatchStandIn(server, `http://127.0.0.1:${port}`, new URL(upstream));
    return standIn;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // close() waits for kept-alive connections to end by themselves; they never would.
    this.server.closeAllConnections();
    await closed;
  }

  private forward(
    request: Pick<IncomingMessage, 'headers' | 'url' | 'method'>,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = { ...request.headers, host: this.upstream.host, 'content-length': String(body.length) };
      const upstream = httpRequest(
        {
          hostname: this.upstream.hostname,
          port: this.upstream.port,
          path: request.url,
          method: request.method,
          headers,
          // A fresh connection per call: moto may close an idle kept-alive one just as it is reused.
          agent: false,
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () =>
            resolve({
              status: answer.statusCode ?? 500,
              headers: Object.fromEntries(
                Object.entries(answer.headers).filter(
                  ([name]) => !['content-length', 'transfer-encoding', 'connection'].includes(name),
                ),
              ) as Record<string, string>,
              body: Buffer.concat(chunks),
            }),
          );
          answer.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  /** An operation of moto's, sent with the caller's own headers (its account and region) and `input`. */
  private async upstreamCall(request: IncomingMessage, operation: string, input: unknown) {
    const body = Buffer.from(JSON.stringify(input));
    const headers = { ...request.headers, 'x-amz-target': `${TARGET}${operation}` };
    const answer = await this.forward({ headers, url: request.url, method: request.method }, body);
    return answer.status < 300
      ? (JSON.parse(answer.body.toString('utf8') || '{}') as Record<string, unknown>)
      : {};
  }

  /** SetAlarmState through to moto; a change of state is kept as CloudWatch's StateUpdate history item. */
  private async setAlarmState(request: IncomingMessage, body: Buffer) {
    const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, string>;
    const described = await this.upstreamCall(request, 'DescribeAlarms', { AlarmNames: [input.AlarmName] });
    const metric = (described.MetricAlarms as Record<string, string>[] | undefined)?.[0];
    const composite = (described.CompositeAlarms as Record<string, string>[] | undefined)?.[0];
    const before = metric ?? composite;
    const answer = await this.forward(request, body);
    if (answer.status < 300 && before && before.StateValue !== input.StateValue) {
      this.history.push({
        AlarmName: String(input.AlarmName),
        AlarmType: metric ? 'MetricAlarm' : 'CompositeAlarm',
        Timestamp: Date.now() / 1000,
        HistoryItemType: 'StateUpdate',
        HistorySummary: `Alarm updated from ${before.StateValue} to ${input.StateValue}`,
        HistoryData: JSON.stringify({
          version: '1.0',
          oldState: { stateValue: before.StateValue, stateReason: before.StateReason },
          newState: { stateValue: input.StateValue, stateReason: input.StateReason },
        }),
      });
    }
    return answer;
  }

  /** DescribeAlarmHistory from the kept items: its filters, ScanBy (newest first by default), paging. */
  private alarmHistory(input: Record<string, unknown>) {
    const start = input.StartDate === undefined ? -Infinity : seconds(input.StartDate);
    const end = input.EndDate === undefined ? Infinity : seconds(input.EndDate);
    const items = this.history.filter(
      (item) =>
        (input.AlarmName === undefined || item.AlarmName === input.AlarmName) &&
        (input.HistoryItemType === undefined || item.HistoryItemType === input.HistoryItemType) &&
        item.Timestamp >= start &&
        item.Timestamp <= end,
    );
    if (input.ScanBy !== 'TimestampAscending') items.reverse();
    const max = Math.min(100, Math.max(1, Number(input.MaxRecords ?? 100)));
    const from = Number(input.NextToken ?? 0) || 0;
    const page = items.slice(from, from + max);
    return {
      AlarmHistoryItems: page,
      ...(from + max < items.length ? { NextToken: String(from + max) } : {}),
    };
  }

  private remember(input: { Namespace?: string; MetricData?: Array<Record<string, unknown>> }): void {
    for (const datum of input.MetricData ?? []) {
      const key = keyOf(String(input.Namespace), String(datum.MetricName), datum.Dimensions as Dimension[]);
      const at = seconds(datum.Timestamp ?? Date.now() / 1000);
      const values =
        (datum.Values as number[] | undefined) ?? (datum.Value === undefined ? [] : [Number(datum.Value)]);
      const counts = (datum.Counts as number[] | undefined) ?? values.map(() => 1);
      values.forEach((value, i) => {
        this.samples.push({ key, at, value: Number(value), count: Number(counts[i] ?? 1) });
      });
    }
  }

  private answerPercentile(query: Query, start: number, end: number) {
    const stat = query.MetricStat as NonNullable<Query['MetricStat']>;
    const p = Number(PERCENTILE.exec(stat.Stat)?.[1]);
    const key = keyOf(stat.Metric.Namespace, stat.Metric.MetricName, stat.Metric.Dimensions);
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let from = start; from < end; from += stat.Period) {
      const inPeriod = this.samples.filter((s) => s.key === key && s.at >= from && s.at < from + stat.Period);
      const value = percentile(inPeriod, p);
      if (value !== undefined) {
        timestamps.push(from);
        values.push(value);
      }
    }
    return {
      Id: query.Id,
      Label: query.Label ?? `${stat.Metric.MetricName} ${stat.Stat}`,
      Timestamps: timestamps,
      Values: values,
      StatusCode: 'Complete',
    };
  }

  private async handle(
    request: IncomingMessage,
    response: import('node:http').ServerResponse,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET) ? target.slice(TARGET.length) : '';
    const send = (status: number, headers: Record<string, string>, payload: Buffer | string) => {
      response.writeHead(status, headers);
      response.end(payload);
    };
    if (operation === 'SetAlarmState') {
      const answer = await this.setAlarmState(request, body);
      return send(answer.status, answer.headers, answer.body);
    }
    if (operation === 'DescribeAlarmHistory') {
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      return send(
        200,
        { 'content-type': 'application/x-amz-json-1.0' },
        JSON.stringify(this.alarmHistory(input)),
      );
    }
    if (operation === 'PutMetricData') {
      const answer = await this.forward(request, body);
      if (answer.status < 300) this.remember(JSON.parse(body.toString('utf8') || '{}'));
      return send(answer.status, answer.headers, answer.body);
    }
    if (operation === 'GetMetricData') {
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown> & {
        MetricDataQueries?: Query[];
      };
      const queries = input.MetricDataQueries ?? [];
      const local = queries.filter((query) => PERCENTILE.test(query.MetricStat?.Stat ?? ''));
      if (local.length > 0) {
        const rest = queries.filter((query) => !local.includes(query));
        let results: unknown[] = [];
        let headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0' };
        if (rest.length > 0) {
          const answer = await this.forward(
            request,
            Buffer.from(JSON.stringify({ ...input, MetricDataQueries: rest })),
          );
          if (answer.status >= 300) return send(answer.status, answer.headers, answer.body);
          headers = answer.headers;
          results =
            (JSON.parse(answer.body.toString('utf8')) as { MetricDataResults?: unknown[] })
              .MetricDataResults ?? [];
        }
        const start = seconds(input.StartTime);
        const end = seconds(input.EndTime);
        results.push(...local.map((query) => this.answerPercentile(query, start, end)));
        return send(200, headers, JSON.stringify({ MetricDataResults: results, Messages: [] }));
      }
    }
    const answer = await this.forward(request, body);
    send(answer.status, answer.headers, answer.body);
  }
}
