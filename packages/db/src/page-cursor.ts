import { HotlineError } from '@hotline/contracts';

/**
 * Keyset pages: a cursor is the sort time and id of the last row of a page, opaque to
 * clients. A cursor the API did not make is a 400 naming `querystring.cursor`, never a 500.
 */
export interface PageCursor {
  at: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodePageCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

export function decodePageCursor(cursor: string): PageCursor {
  const [time, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const at = new Date(time ?? '');
  if (!id || !UUID.test(id) || Number.isNaN(at.getTime())) {
    throw new HotlineError('validation_failed', 'invalid querystring.cursor: use the nextCursor of the previous page', {
      fields: [{ field: 'querystring.cursor', message: 'not a cursor from this API' }],
    });
  }
  return { at, id };
}
