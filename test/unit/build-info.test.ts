import { afterEach, describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { buildInfo } from '../../shared/build-info.js';

// scripts/build.ts defines these at bundle time; unbundled, they are globals a test can set.
const BUNDLE_DEFINES = ['__BUNDLE_GIT_SHA__', '__BUNDLE_BUILD_ID__', '__BUNDLE_BUILT_AT__'] as const;
const globals = globalThis as Record<string, unknown>;

function defineBundle(values: Partial<Record<(typeof BUNDLE_DEFINES)[number], string>>): void {
  Object.assign(globals, values);
}

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const BUNDLE_SHA = '9a0364b9e99bb480dd25e1f0284c8555e1a2b3c4';

describe('buildInfo', () => {
  afterEach(() => {
    for (const name of BUNDLE_DEFINES) delete globals[name];
  });

  it('reports the deploy parameters from the environment', () => {
    // Prepare
    const env = {
      POWERTOOLS_SERVICE_NAME: 'lambda-runbook',
      GIT_SHA: SHA,
      BUILD_ID: 'ci-1234',
      DEPLOYED_AT: '2026-11-22T03:00:00Z',
      RUNBOOK_ENV: 'prod',
    };

    // Act
    const info = buildInfo(env);

    // Assess
    expect(info).toEqual({
      service: 'lambda-runbook',
      version: pkg.version,
      gitSha: SHA,
      buildId: 'ci-1234',
      builtAt: 'unknown',
      deployedAt: '2026-11-22T03:00:00Z',
      environment: 'prod',
    });
  });

  it('says unknown for everything nobody recorded', () => {
    expect(buildInfo({})).toEqual({
      service: pkg.name,
      version: pkg.version,
      gitSha: 'unknown',
      buildId: 'unknown',
      builtAt: 'unknown',
      deployedAt: 'unknown',
      environment: 'unknown',
    });
  });

  it('falls back to the values defined at bundle time', () => {
    // Prepare
    defineBundle({
      __BUNDLE_GIT_SHA__: BUNDLE_SHA,
      __BUNDLE_BUILD_ID__: 'bundle-77',
      __BUNDLE_BUILT_AT__: '2026-11-21T22:00:00Z',
    });

    // Act
    const info = buildInfo({});

    // Assess
    expect(info).toMatchObject({ gitSha: BUNDLE_SHA, buildId: 'bundle-77', builtAt: '2026-11-21T22:00:00Z' });
  });

  it('lets the deploy parameters win over the bundle defines', () => {
    // Prepare
    defineBundle({ __BUNDLE_GIT_SHA__: BUNDLE_SHA, __BUNDLE_BUILD_ID__: 'bundle-77' });

    // Act
    const info = buildInfo({ GIT_SHA: SHA, BUILD_ID: 'ci-1234' });

    // Assess
    expect(info).toMatchObject({ gitSha: SHA, buildId: 'ci-1234' });
  });

  it.each(['unknown', ''])('treats a deploy parameter of %j as unset, so the bundle value shows', (value) => {
    // Prepare
    defineBundle({ __BUNDLE_GIT_SHA__: BUNDLE_SHA, __BUNDLE_BUILD_ID__: 'bundle-77' });

    // Act
    const info = buildInfo({ GIT_SHA: value, BUILD_ID: value, DEPLOYED_AT: value });

    // Assess
    expect(info).toMatchObject({ gitSha: BUNDLE_SHA, buildId: 'bundle-77', deployedAt: 'unknown' });
  });

  it('treats a bundle define of "unknown" as no value', () => {
    // Prepare
    defineBundle({ __BUNDLE_GIT_SHA__: 'unknown' });

    // Act
    const info = buildInfo({});

    // Assess
    expect(info.gitSha).toBe('unknown');
  });
});
