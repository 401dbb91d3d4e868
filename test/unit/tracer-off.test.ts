// The compiled CLI runs the handlers with cli/tracer-off.ts in place of Powertools Tracer (scripts/build-cli.ts),
// so that a local command does not load the X-Ray SDK. That is the same behaviour only while the real Tracer
// is off wherever the CLI runs a handler: these tests hold it to that.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import * as off from '../../cli/tracer-off.js';
import { emulatorEnv } from '../../local/moto.js';
import { cliOutDir } from '../../scripts/build-cli.js';

const saved = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

describe("the compiled CLI's tracer (cli/tracer-off.ts)", () => {
  it('stands in for a real Tracer that is off outside a Lambda execution environment', () => {
    // Prepare: an operator's shell, no emulator variables.
    delete process.env.AWS_EXECUTION_ENV;
    delete process.env.POWERTOOLS_TRACE_ENABLED;

    // Act / Assess
    expect(new Tracer().isTracingEnabled()).toBe(false);
    expect(new off.Tracer().isTracingEnabled()).toBe(false);
  });

  it('stands in for a real Tracer that is off in the emulator’s environment, even one claiming to be Lambda', () => {
    // Prepare
    Object.assign(process.env, emulatorEnv('http://127.0.0.1:1'), {
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    });

    // Act / Assess
    expect(new Tracer().isTracingEnabled()).toBe(false);
  });

  it('wires a handler with the same hooks, which leave its event and answer as the real ones do when off', async () => {
    // Prepare
    delete process.env.AWS_EXECUTION_ENV;
    const answer = (tracerMiddleware: ReturnType<typeof captureLambdaHandler>) =>
      middy(async (event: { n: number }) => ({ doubled: event.n * 2 })).use(tracerMiddleware);
    const context = { functionName: 'fn' } as Context;

    // Act
    const real = await answer(captureLambdaHandler(new Tracer()))({ n: 21 }, context);
    const standIn = await answer(off.captureLambdaHandler(new off.Tracer()))({ n: 21 }, context);

    // Assess
    expect(Object.keys(off.captureLambdaHandler(new off.Tracer())).sort()).toEqual(
      Object.keys(captureLambdaHandler(new Tracer())).sort(),
    );
    expect(standIn).toStrictEqual(real);
  });

  it('leaves the X-Ray SDK out of the compiled CLI', () => {
    // Prepare: dist/cli as test/build-cli-setup.ts built it.
    const files = readdirSync(cliOutDir, { recursive: true, encoding: 'utf8' }).filter((file) =>
      file.endsWith('.mjs'),
    );

    // Act
    const withXray = files.filter((file) =>
      readFileSync(join(cliOutDir, file), 'utf8').includes('aws-xray-sdk-core'),
    );

    // Assess
    expect(files.length).toBeGreaterThan(0);
    expect(withXray).toEqual([]);
  });
});
