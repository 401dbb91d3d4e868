import { describe, expect, it, vi } from 'vitest';
import { MethodNotAllowedError, NotFoundError, ValidationError } from '../../shared/errors.js';
import type { AlarmNotification } from '../../shared/triggers/alarm.js';
import type { Invocation } from '../../shared/triggers/index.js';
import { type Action, type RouteTable, route } from '../../shared/triggers/router.js';

const answer = (name: string): Action<object> => vi.fn(async () => ({ answeredBy: name }));

function apiInvocation(method: string, path: string): Invocation {
  return {
    door: 'api',
    actor: 'anonymous',
    correlationId: 'req-1',
    route: { method, path },
    query: {},
    payload: undefined,
  };
}

const getHealth = answer('GET /health');
const getMetadata = answer('GET /health/metadata');
const deleteMetadata = answer('DELETE /health/metadata');
const direct = answer('direct');
const alarm = answer('alarm');

const table: RouteTable<object> = {
  api: {
    'GET /health': getHealth,
    'GET /health/metadata': getMetadata,
    'DELETE /health/metadata': deleteMetadata,
  },
  direct,
  alarm,
};

describe('route', () => {
  it('picks the action declared for the method and path', () => {
    expect(route(apiInvocation('GET', '/health/metadata'), table)).toBe(getMetadata);
    expect(route(apiInvocation('DELETE', '/health/metadata'), table)).toBe(deleteMetadata);
    expect(route(apiInvocation('GET', '/health'), table)).toBe(getHealth);
  });

  it('picks the direct and alarm actions by door', () => {
    expect(route({ door: 'direct', actor: 'cli:me', correlationId: 'r', payload: {} }, table)).toBe(direct);
    const notification = { AlarmName: 'x', NewStateValue: 'ALARM' } as AlarmNotification;
    expect(
      route(
        { door: 'alarm', actor: 'alarm:x', correlationId: 'r', payload: undefined, alarm: notification },
        table,
      ),
    ).toBe(alarm);
  });

  it('answers an unknown path with a 404 naming the route', () => {
    // Act
    const attempt = () => route(apiInvocation('GET', '/nope'), table);

    // Assess
    expect(attempt).toThrow(NotFoundError);
    expect(attempt).toThrow('no route GET /nope');
  });

  it('answers a known path with the wrong method with a 405 listing the methods it allows', () => {
    // Act
    let error: unknown;
    try {
      route(apiInvocation('POST', '/health/metadata'), table);
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(MethodNotAllowedError);
    expect(error).toMatchObject({ statusCode: 405, allow: ['GET', 'DELETE'] });
  });

  it('does not mistake a path for another that merely starts like it', () => {
    expect(() => route(apiInvocation('GET', '/health/metadata/extra'), table)).toThrow(NotFoundError);
    expect(() => route(apiInvocation('POST', '/healthz'), table)).toThrow(NotFoundError);
  });

  it('answers 404 when the function has no API routes at all', () => {
    expect(() => route(apiInvocation('GET', '/health'), { direct })).toThrow(NotFoundError);
  });

  it.each([
    { door: 'direct' as const, table: { api: table.api, alarm } },
    { door: 'alarm' as const, table: { api: table.api, direct } },
  ])('refuses a $door event when the function has no action for that door', ({ door, table: partial }) => {
    // Act
    const attempt = () =>
      route({ door, actor: 'someone', correlationId: 'r', payload: {} } as Invocation, partial);

    // Assess
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(`this function does not act on ${door} events`);
    expect(attempt).toThrow(expect.objectContaining({ statusCode: 400, field: 'event' }));
  });
});
