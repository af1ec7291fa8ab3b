import { HotlineError } from '@hotline/contracts';

/**
 * Keyset pages: a cursor is the sort time and id of the last row of a page, opaque to
 * clients, and whether the list runs oldest first. A cursor the API did not make is a 400
 * naming `querystring.cursor`, never a 500.
 */
export interface PageCursor {
  at: Date;
  id: string;
  /** Made by a list asked oldest first, where a list offers both orders (the ticket list). */
  oldestFirst: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OLDEST_FIRST = 'oldest';

export function encodePageCursor(at: Date, id: string, oldestFirst = false): string {
  return Buffer.from(`${at.toISOString()}|${id}${oldestFirst ? `|${OLDEST_FIRST}` : ''}`).toString('base64url');
}

export function decodePageCursor(cursor: string): PageCursor {
  const [time, id, order, ...rest] = Buffer.from(cursor, 'base64url').toString().split('|');
  const at = new Date(time ?? '');
  if (!id || !UUID.test(id) || Number.isNaN(at.getTime()) || (order !== undefined && order !== OLDEST_FIRST) || rest.length > 0) {
    throw invalidCursor('not a cursor from this API');
  }
  return { at, id, oldestFirst: order === OLDEST_FIRST };
}

/** A cursor taken from a list in the other order would walk the wrong way from its row. */
export function checkCursorOrder(cursor: PageCursor, oldestFirst: boolean): PageCursor {
  if (cursor.oldestFirst !== oldestFirst) throw invalidCursor(`a cursor of a list ${cursor.oldestFirst ? 'oldest' : 'newest'} first: ask with the same order`);
  return cursor;
}

function invalidCursor(message: string): HotlineError {
  return new HotlineError('validation_failed', 'invalid querystring.cursor: use the nextCursor of the previous page', {
    fields: [{ field: 'querystring.cursor', message }],
  });
}
