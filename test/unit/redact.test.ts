import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../shared/powertools.js';
import { isSensitiveKey, REDACTED, redact, redactReplacer, redactString } from '../../shared/redact.js';

// AWS's documented example credentials: the shapes of real ones, valid nowhere.
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SESSION_KEY_ID = 'ASIAY34FZKBOKMUTVV7A';
const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const GIT_SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const PRIVATE_KEY = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi2Z0Ww1xd7b7pYl9k0Xq2KQ+Lr',
  'pZ3Xo4gRk7mQ0N2sVJgqkE1bT5dQ8ZcYw==',
  '-----END RSA PRIVATE KEY-----',
].join('\n');

describe('redactString', () => {
  const secrets = [
    { case: 'an access key id', secret: ACCESS_KEY_ID },
    { case: 'a temporary access key id', secret: SESSION_KEY_ID },
    { case: 'a secret access key', secret: SECRET_ACCESS_KEY },
    { case: 'a bearer token', secret: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl' },
    { case: 'a lower-case bearer token', secret: 'bearer 0123456789abcdef' },
    { case: 'a PEM private key', secret: PRIVATE_KEY },
  ];

  it.each(secrets)('masks $case and keeps the text around it', ({ secret }) => {
    // Act
    const masked = redactString(`rotating: ${secret} (old)`);

    // Assess
    expect(masked).toBe(`rotating: ${REDACTED} (old)`);
  });

  it('masks every secret in a string, not only the first', () => {
    // Act
    const masked = redactString(`id=${ACCESS_KEY_ID} key=${SECRET_ACCESS_KEY} again=${ACCESS_KEY_ID}`);

    // Assess
    expect(masked).toBe(`id=${REDACTED} key=${REDACTED} again=${REDACTED}`);
  });

  const harmless = [
    { case: 'a 40-hex git sha', text: `gitSha=${GIT_SHA} buildId=42` },
    { case: 'an upper-case 40-hex digest', text: GIT_SHA.toUpperCase() },
    { case: 'a request id', text: 'c6af9ac6-7b61-11e6-9a41-93e812345678' },
    { case: 'an alias ARN', text: 'arn:aws:lambda:us-east-1:123456789012:function:trading:live' },
    { case: 'a role ARN', text: 'arn:aws:iam::123456789012:role/lambda-runbook-HealthRole-1A2B3C4D5E6F' },
    { case: 'an ISO time', text: '2026-11-22T03:04:05.678Z' },
    { case: 'the word Bearer in prose', text: 'send a Bearer token' },
    { case: 'a mixed-case string of 39 characters', text: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE' },
  ];

  it.each(harmless)('leaves $case alone', ({ text }) => {
    expect(redactString(text)).toBe(text);
  });

  it('gives the same answer when called again (no state left in its patterns)', () => {
    // Act
    const first = redactString(`k=${ACCESS_KEY_ID}`);
    const second = redactString(`k=${ACCESS_KEY_ID}`);

    // Assess
    expect(second).toBe(first);
    expect(second).toBe(`k=${REDACTED}`);
  });
});

describe('isSensitiveKey', () => {
  it.each([
    'password',
    'Password',
    'dbPass',
    'clientSecret',
    'SecretString',
    'secretAccessKey',
    'sessionToken',
    'AWS_SESSION_TOKEN',
    'apiKey',
    'api_key',
    'x-api-key',
    'Authorization',
    'credentials',
    'privateKey',
    'private_key',
  ])('treats %s as holding a secret', (key) => {
    expect(isSensitiveKey(key)).toBe(true);
  });

  it.each([
    'secretId',
    'SecretArn',
    'secretName',
    'tokenCount',
    'tokenType',
    'tokenExpiresAt',
    'sessionName',
    'sessionStartTime',
    'passwordLength',
    'apiKeyId',
    'rotationEnabled',
    'functionName',
    'version',
  ])('treats %s as naming no secret', (key) => {
    expect(isSensitiveKey(key)).toBe(false);
  });
});

describe('redact', () => {
  it('empties sensitive keys at any depth and masks secret-shaped values under any key', () => {
    // Prepare
    const request = {
      toVersion: '7',
      secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:trading/db-AbCdEf',
      database: { host: 'db.internal', password: 'hunter2', port: 5432 },
      headers: { Authorization: 'Bearer abcdefghijklmnop', 'x-api-key': 'k-123456' },
      note: `leaked ${ACCESS_KEY_ID} yesterday`,
      attempts: [{ token: 'tok-1' }, { token: 'tok-2' }],
      gitSha: GIT_SHA,
    };

    // Act
    const clean = redact(request);

    // Assess
    expect(clean).toEqual({
      toVersion: '7',
      secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:trading/db-AbCdEf',
      database: { host: 'db.internal', password: REDACTED, port: 5432 },
      headers: { Authorization: REDACTED, 'x-api-key': REDACTED },
      note: `leaked ${REDACTED} yesterday`,
      attempts: [{ token: REDACTED }, { token: REDACTED }],
      gitSha: GIT_SHA,
    });
  });

  it('masks a whole object or number held under a sensitive key', () => {
    expect(redact({ credentials: { AccessKeyId: 'x', Expiration: 'y' }, pin: 1, password: 1234 })).toEqual({
      credentials: REDACTED,
      pin: 1,
      password: REDACTED,
    });
  });

  it('keeps flags and empty values under sensitive keys, which reveal nothing', () => {
    expect(redact({ token: true, secret: false, password: null })).toEqual({
      token: true,
      secret: false,
      password: null,
    });
  });

  it('returns a copy and leaves the original untouched', () => {
    // Prepare
    const original = { password: 'hunter2', nested: { apiKey: 'k-1' } };

    // Act
    const clean = redact(original);

    // Assess
    expect(clean).not.toBe(original);
    expect(original).toEqual({ password: 'hunter2', nested: { apiKey: 'k-1' } });
  });

  it('masks a top-level secret string and turns undefined into null', () => {
    expect(redact(SECRET_ACCESS_KEY)).toBe(REDACTED);
    expect(redact(undefined)).toBeNull();
  });

  it('serves as a JSON.stringify replacer', () => {
    // Act
    const text = JSON.stringify({ clientSecret: 's3cr3t-value', key: ACCESS_KEY_ID }, redactReplacer);

    // Assess
    expect(JSON.parse(text)).toEqual({ clientSecret: REDACTED, key: REDACTED });
  });
});

describe('the runbook logger', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes log lines with secrets masked', () => {
    // Prepare
    const written: string[] = [];
    const keep = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(keep);
    // Under test/setup.ts the logger writes through the global console (Powertools dev mode), not stdout.
    vi.spyOn(console, 'info').mockImplementation(keep);

    // Act
    logger.info('rotating credentials', {
      secretId: 'trading/db',
      password: 'hunter2',
      detail: `old key ${ACCESS_KEY_ID} ${SECRET_ACCESS_KEY}`,
    });

    // Assess
    const line = JSON.parse(written.join('')) as Record<string, unknown>;
    expect(line).toMatchObject({
      message: 'rotating credentials',
      secretId: 'trading/db',
      password: REDACTED,
      detail: `old key ${REDACTED} ${REDACTED}`,
    });
    expect(written.join('')).not.toMatch(/hunter2|AKIA|EXAMPLEKEY/);
  });
});
