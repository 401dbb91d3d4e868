// `runbook dlq peek|drain` for a person (cli/dlq.ts dlqSummary): why messages stay in the DLQ, a peek's
// samples, and every message text shown inert on a terminal.
import { describe, expect, it } from 'vitest';
import { dlqSummary, inert } from '../../cli/dlq.js';

const NO_TARGET = 'no source queue names this DLQ in its redrive policy: give target {type:"sqs",queue}';

describe('runbook dlq, read by a person', () => {
  it('says why a peek would leave messages in the DLQ, each reason once with its count, and how to point them', () => {
    // Act
    const text = dlqSummary({
      ok: true,
      mode: 'peek',
      dryRun: true,
      queue: 'orders-dlq',
      received: 4,
      failed: 4,
      failures: [
        { key: 'a', error: NO_TARGET },
        { key: 'b', error: NO_TARGET },
        { key: 'c', error: NO_TARGET },
        { key: 'd', error: 'message too large to redrive' },
      ],
      omitted: {},
      samples: [],
    });

    // Assess
    expect(text).toMatch(/would fail \(left in DLQ\) +4/);
    expect(text).toContain('would stay in the DLQ, by reason:');
    expect(text).toContain(`  3 × ${NO_TARGET}`);
    expect(text).toContain('  1 × message too large to redrive');
    expect(text.indexOf('3 ×')).toBeLessThan(text.indexOf('1 ×'));
    expect(text).toContain('--target-queue NAME or --target-function NAME');
  });

  it('counts the failures a long run left out of its answer, and a real drain says "left", not "would"', () => {
    // Act
    const text = dlqSummary({
      ok: true,
      mode: 'drain',
      dryRun: false,
      queue: 'orders-dlq',
      received: 80,
      redriven: 0,
      failed: 80,
      failures: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, error: `Throttled ${i % 7}` })),
      omitted: { failures: 30 },
    });

    // Assess
    expect(text).toMatch(/failed \(left in DLQ\) +80/);
    expect(text).toContain('left in the DLQ, by reason (of the first 50; 30 more: --json):');
    expect(text.split('\n').filter((line) => line.includes(' × Throttled'))).toHaveLength(5);
    expect(text).toContain('… 2 other reason(s): --json lists them');
    expect(text).not.toContain('--target-queue');
  });

  it('shows a peek’s samples one line each, escape sequences, line breaks and bidi overrides made inert', () => {
    // Act
    const text = dlqSummary({
      ok: true,
      mode: 'peek',
      dryRun: true,
      queue: 'orders-dlq',
      samples: [
        {
          kind: 'sqs',
          key: 'm1',
          errorCode: '500',
          body: '\u001b[2J\u001b[31mwiped\nsecond line',
          redacted: false,
        },
        { kind: 'sqs', key: 'm2', errorCode: 'none', body: 'abc\u202eevil', redacted: true },
      ],
    });

    // Assess: no control or format character reaches the terminal
    expect(text.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(text).toContain('\\u001b[2J\\u001b[31mwiped\\u000asecond line');
    expect(text).toMatch(/m2 +none +abc\\u202eevil \(masked\)/);
  });

  it('cuts a long text with an ellipsis after the limit', () => {
    expect(inert('x'.repeat(100), 10)).toBe(`${'x'.repeat(10)}…`);
    expect(inert('tab\there')).toBe('tab\\u0009here');
  });
});
