/** Stable error codes of the HTTP API, with the status each answers. */
export const errorStatus = {
  bad_request: 400,
  validation_failed: 400,
  invalid_json: 400,
  unsupported_media_type: 415,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  illegal_transition: 409,
  conflict: 409,
  idempotency_conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof errorStatus;

/** The one error class: handlers throw it, the error handler turns it into `{ error }`. */
export class HotlineError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HotlineError';
    this.statusCode = errorStatus[code];
  }
}

export const notFound = (what: string) => new HotlineError('not_found', `${what} not found`);
