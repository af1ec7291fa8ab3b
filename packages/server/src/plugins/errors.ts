import { HotlineError, errorStatus, type ErrorCode } from '@hotline/contracts';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_VALIDATION: 'validation_failed',
};

function fieldOf(instancePath: string, context: string | undefined, params: Record<string, unknown>): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  const missing = typeof params.missingProperty === 'string' ? params.missingProperty : '';
  const field = [path, missing].filter(Boolean).join('.');
  return context === 'body' || !context ? field || 'body' : `${context}${field ? `.${field}` : ''}`;
}

/** One error shape, `{ error: { code, message, details? } }`, with the right status. */
export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      if (err instanceof HotlineError) {
        return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, details: err.details } });
      }
      if (hasZodFastifySchemaValidationErrors(err)) {
        const fields = err.validation.map((v) => ({
          field: fieldOf(v.instancePath, err.validationContext, v.params as Record<string, unknown>),
          message: v.message ?? 'invalid',
        }));
        const message = `invalid ${fields.map((f) => `${f.field} (${f.message})`).join(', ')}`;
        return reply.status(400).send({ error: { code: 'validation_failed', message, details: { fields } } });
      }
      const status = err.statusCode ?? 500;
      if (status < 500) {
        const code: ErrorCode =
          (err.code && fastifyCodes[err.code]) ||
          (status === 429 ? 'rate_limited' : status === 404 ? 'not_found' : status === 413 ? 'payload_too_large' : 'bad_request');
        return reply.status(errorStatus[code] === status ? status : status).send({ error: { code, message: err.message } });
      }
      request.log.error({ err }, 'request failed');
      if (status === 503) {
        return reply.status(503).send({ error: { code: 'unavailable', message: 'the service is busy; try again shortly' } });
      }
      return reply.status(500).send({ error: { code: 'internal', message: 'internal error; it has been logged' } });
    });

    app.setNotFoundHandler((request, reply) => {
      reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
    });
  },
  { name: 'hotline-errors' },
);
