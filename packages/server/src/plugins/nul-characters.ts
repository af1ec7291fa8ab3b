import { HotlineError } from '@hotline/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

const NUL = '\u0000';

/** The first field holding a NUL character in its name or value, as the validation errors name fields; or null. */
function fieldWithNul(value: unknown, root: string): string | null {
  // Iterative: a body may be JSON nested thousands deep.
  const pending: [unknown, string][] = [[value, root]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, path] = next;
    if (typeof item === 'string') {
      if (item.includes(NUL)) return path || 'body';
    } else if (item && typeof item === 'object' && !ArrayBuffer.isView(item)) {
      for (const [key, child] of Object.entries(item)) {
        const childPath = path ? `${path}.${key}` : key;
        if (key.includes(NUL)) return childPath;
        pending.push([child, childPath]);
      }
    }
  }
  return null;
}

/**
 * Refuses text with the NUL character (U+0000) anywhere in a request's path parameters, query
 * string or body: PostgreSQL's text cannot hold it, so such a value would fail in the database
 * as a 500 instead of being refused as a 400 naming the field (the fuzz suite found one, a
 * district filter of "\u0000"). No appeal needs it.
 */
export const nulCharactersPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('preValidation', async (request: FastifyRequest) => {
      const field = fieldWithNul(request.params, 'params') ?? fieldWithNul(request.query, 'querystring') ?? fieldWithNul(request.body, '');
      if (field) {
        const message = 'must not contain the NUL character (U+0000)';
        throw new HotlineError('validation_failed', `invalid ${field} (${message})`, { fields: [{ field, message }] });
      }
    });
  },
  { name: 'hotline-nul-characters', dependencies: ['hotline-errors'] },
);
