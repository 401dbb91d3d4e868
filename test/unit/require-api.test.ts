import { describe, expect, it } from 'vitest';
import { ConfigurationError, ForbiddenError } from '../../shared/errors.js';
import { refuseDirectUnlessAllowed, requiredApiActions } from '../../shared/require-api.js';

describe('RequireApiFor', () => {
  it('reads the comma-separated actions, blanks ignored', () => {
    expect(requiredApiActions({ REQUIRE_API_FOR: ' schedules.disable, ,dlq.drain' })).toEqual(
      new Set(['schedules.disable', 'dlq.drain']),
    );
  });

  it('refuses a deployment naming an action without an API route, naming the setting and the value', () => {
    expect(() => requiredApiActions({ REQUIRE_API_FOR: 'secret.rotate' })).toThrow(ConfigurationError);
    expect(() => requiredApiActions({ REQUIRE_API_FOR: 'secret.rotate' })).toThrow(
      /REQUIRE_API_FOR: "secret.rotate"/,
    );
  });

  it('takes secret.revoke, the route of a revocation being POST /secret/revoke-previous', () => {
    const env = { REQUIRE_API_FOR: 'secret.revoke' };
    expect(requiredApiActions(env)).toEqual(new Set(['secret.revoke']));
    expect(() => refuseDirectUnlessAllowed('direct', 'secret.revoke', env)).toThrow(
      /POST \/secret\/revoke-previous/,
    );
  });

  it('refuses only a direct invocation of a listed action, with a 403 naming the route', () => {
    const env = { REQUIRE_API_FOR: 'rollback' };
    expect(() => refuseDirectUnlessAllowed('direct', 'rollback', env)).toThrow(ForbiddenError);
    expect(() => refuseDirectUnlessAllowed('direct', 'rollback', env)).toThrow(/POST \/rollback/);
    expect(() => refuseDirectUnlessAllowed('api', 'rollback', env)).not.toThrow();
    expect(() => refuseDirectUnlessAllowed('alarm', 'rollback', env)).not.toThrow();
    expect(() => refuseDirectUnlessAllowed('direct', 'dlq.drain', env)).not.toThrow();
  });
});
