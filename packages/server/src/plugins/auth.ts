import { HotlineError } from '@hotline/contracts';
import { apiKeys, hashApiKey } from '@hotline/db';
import type { Role } from '@hotline/domain';
import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface Principal {
  keyId: string;
  role: Role;
  /** Set for department keys: the one department they act for. */
  departmentCode: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route; a route without it is public. */
    roles?: readonly Role[];
  }
}

const CACHE_MS = 30_000;

/**
 * Bearer API keys, looked up by their sha256; a short cache keeps the lookup off the hot
 * path. Development keys (dev-*) are refused in production whatever the database holds.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: { production: boolean; unknownKeysPerMinute: number }) => {
    const cache = new Map<string, { principal: Principal | null; until: number }>();
    const unknownKeys = new UnknownKeyCounter(opts.unknownKeysPerMinute);
    app.decorateRequest('principal', null);

    async function lookup(key: string): Promise<Principal | null> {
      const hash = hashApiKey(key);
      const cached = cache.get(hash);
      if (cached && cached.until > Date.now()) return cached.principal;
      const [row] = await app.db
        .select({ id: apiKeys.id, role: apiKeys.role, departmentCode: apiKeys.departmentCode })
        .from(apiKeys)
        .where(and(eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt)))
        .limit(1);
      const principal = row ? { keyId: row.id, role: row.role as Role, departmentCode: row.departmentCode } : null;
      // Made-up keys must not push the real ones out: unknown and expired entries go first.
      if (cache.size > 10_000) for (const [h, c] of cache) if (!c.principal || c.until <= Date.now()) cache.delete(h);
      cache.set(hash, { principal, until: Date.now() + CACHE_MS });
      return principal;
    }

    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const roles = request.routeOptions.config?.roles;
      if (!roles) return;
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
      if (!match?.[1]) throw new HotlineError('unauthorized', 'missing API key: send Authorization: Bearer <key>');
      const key = match[1];
      if (opts.production && key.startsWith('dev-')) throw new HotlineError('unauthorized', 'development keys are refused in production');
      const principal = key.length <= 200 ? await lookup(key) : null;
      if (!principal) {
        // The rate limit counts per key, so every made-up key would get a fresh budget: unknown keys
        // count against the client's address instead (real keys from it still work: a call
        // centre's agents share one address with whatever else is misconfigured there).
        const wait = unknownKeys.count(request.ip);
        if (wait > 0) {
          reply.header('retry-after', String(wait));
          throw new HotlineError('rate_limited', `too many requests with unknown API keys from this address; retry in ${wait} s`);
        }
        throw new HotlineError('unauthorized', 'unknown or revoked API key');
      }
      if (!roles.includes(principal.role)) {
        throw new HotlineError('forbidden', `this route is for ${roles.join(', ')} keys; yours is a ${principal.role} key`);
      }
      request.principal = principal;
    });
  },
  { name: 'hotline-auth', dependencies: ['hotline-resources'] },
);

/** Requests with unknown API keys per client address in fixed one-minute windows; a limit of 0 counts nothing. */
class UnknownKeyCounter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly perMinute: number) {}

  /** Counts one more from `address`: the seconds it must wait when that is over its budget, else 0. */
  count(address: string): number {
    if (this.perMinute === 0) return 0;
    const now = Date.now();
    if (this.windows.size > 10_000) {
      for (const [a, w] of this.windows) if (w.endsAt <= now) this.windows.delete(a);
      // Ten thousand addresses within a minute: start over rather than walk them on every request.
      if (this.windows.size > 10_000) this.windows.clear();
    }
    let window = this.windows.get(address);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + 60_000 };
      this.windows.set(address, window);
    }
    window.count++;
    return window.count > this.perMinute ? Math.ceil((window.endsAt - now) / 1000) : 0;
  }
}

/** The principal of a route that declared roles (the hook guarantees it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new HotlineError('unauthorized', 'missing API key');
  return request.principal;
}
