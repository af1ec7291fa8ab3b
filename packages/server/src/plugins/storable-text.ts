import { HotlineError } from '@hotline/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

const NUL = '\u0000';
/** With the u flag a surrogate matches only where it is not half of a pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Why PostgreSQL could not store `text`, or null when it can. */
function unstorable(text: string): string | null {
  if (text.includes(NUL)) return 'must not contain the NUL character (U+0000)';
  // Half of a character (an unpaired UTF-16 surrogate, e.g. an emoji cut in two): JSON keeps it
  // as "\ud83d", which jsonb refuses.
  if (LONE_SURROGATE.test(text)) return 'must not contain half of a character (an unpaired UTF-16 surrogate)';
  return null;
}

/** The first field whose name or value PostgreSQL could not store, named as validation errors name fields; or null. */
function unstorableField(value: unknown, root: string): { field: string; message: string } | null {
  // Iterative: a body may be JSON nested thousands deep.
  const pending: [unknown, string][] = [[value, root]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, path] = next;
    if (typeof item === 'string') {
      const message = unstorable(item);
      if (message) return { field: path || 'body', message };
    } else if (item && typeof item === 'object' && !ArrayBuffer.isView(item)) {
      // A form (the survey page's) is parsed into URLSearchParams, whose fields are not own properties.
      const entries = item instanceof URLSearchParams ? [...item.entries()] : Object.entries(item);
      for (const [key, child] of entries) {
        const childPath = path ? `${path}.${key}` : key;
        const message = unstorable(key);
        if (message) return { field: childPath, message };
        pending.push([child, childPath]);
      }
    }
  }
  return null;
}

/**
 * Refuses text PostgreSQL cannot hold anywhere in a request's path parameters, query string or
 * body: the NUL character (U+0000), which text cannot hold, and half of a character (an unpaired
 * surrogate), which jsonb refuses. Either would fail in the database as a 500 instead of being
 * refused as a 400 naming the field (the fuzz suite found a district filter of "\u0000"). No
 * appeal needs them.
 */
export const storableTextPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('preValidation', async (request: FastifyRequest) => {
      const found = unstorableField(request.params, 'params') ?? unstorableField(request.query, 'querystring') ?? unstorableField(request.body, '');
      if (found) throw new HotlineError('validation_failed', `invalid ${found.field} (${found.message})`, { fields: [found] });
    });
  },
  { name: 'hotline-storable-text', dependencies: ['hotline-errors'] },
);
