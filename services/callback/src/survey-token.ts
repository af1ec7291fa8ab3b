import { createHmac, timingSafeEqual } from 'node:crypto';

const ID_LENGTH = 22; // a UUID's 16 bytes in base64url
const MAC_BYTES = 18;

function uuidBytes(id: string): Buffer {
  return Buffer.from(id.replaceAll('-', ''), 'hex');
}

function mac(secret: string, callbackId: string): Buffer {
  return createHmac('sha256', secret).update(`survey:${callbackId}`).digest().subarray(0, MAC_BYTES);
}

/**
 * The survey link's token: the callback id and an HMAC of it, so a link names one callback
 * (one reply) and cannot be made up or altered. Expiry and use live in the callback row.
 */
export function surveyToken(secret: string, callbackId: string): string {
  return uuidBytes(callbackId).toString('base64url') + mac(secret, callbackId).toString('base64url');
}

/** The callback id of a genuine token; null for anything forged, altered or malformed. */
export function verifySurveyToken(secret: string, token: string): string | null {
  if (!/^[A-Za-z0-9_-]{46}$/.test(token)) return null;
  const hex = Buffer.from(token.slice(0, ID_LENGTH), 'base64url').toString('hex');
  if (hex.length !== 32) return null;
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const given = Buffer.from(token.slice(ID_LENGTH), 'base64url');
  const expected = mac(secret, id);
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}
