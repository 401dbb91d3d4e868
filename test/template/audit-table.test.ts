import { describe, expect, it } from 'vitest';
import { type JsonObject, loadTemplate } from '../../local/template.js';
import { isObject, type Resource } from './intrinsics.js';

describe('AuditTable, the audit ledger', () => {
  const table = loadTemplate().Resources.AuditTable as Resource | undefined;
  const props = table?.Properties ?? {};

  it('is a DynamoDB table', () => {
    // Assess
    expect(table?.Type).toBe('AWS::DynamoDB::Table');
  });

  it('outlives the stack: retained on deletion and on replacement', () => {
    // Assess
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.UpdateReplacePolicy).toBe('Retain');
  });

  it('can be restored to any second of the last 35 days (point-in-time recovery)', () => {
    // Assess
    expect(props.PointInTimeRecoverySpecification).toMatchObject({ PointInTimeRecoveryEnabled: true });
  });

  it('is encrypted at rest with SSE enabled', () => {
    // Assess
    expect(props.SSESpecification).toMatchObject({ SSEEnabled: true });
  });

  it('expires items by their expiresAt attribute (TTL)', () => {
    // Assess
    expect(props.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  it('is queryable by target and by action (GSIs byTarget and byAction)', () => {
    // Prepare
    const indexes = Array.isArray(props.GlobalSecondaryIndexes) ? props.GlobalSecondaryIndexes : [];

    // Act
    const names = indexes.filter(isObject).map((index: JsonObject) => index.IndexName);

    // Assess
    expect(names).toEqual(expect.arrayContaining(['byTarget', 'byAction']));
  });
});
