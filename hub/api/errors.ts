// hub/api — one error shape for every 4xx/5xx: { statusCode, error, message, field? }, mapped from the ledger's
// codes and fastify's schema validation, so a client always learns which field was wrong.
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from '../../protocols/logging/index.js';
import { LedgerError, type LedgerErrorCode } from '../ledger/index.js';

/** An error a route throws on purpose: the status and the message reach the client as they are. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const LEDGER_STATUS: Record<LedgerErrorCode, number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  negative_on_hand: 409,
  serial_location: 409,
  insufficient_available: 409,
  reservation_state: 409,
  closed_period: 409,
  invariant: 500,
};

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  field?: string;
  code?: string;
}

export function errorBody(statusCode: number, message: string, field?: string, code?: string): ErrorBody {
  return { statusCode, error: REASONS[statusCode] ?? 'Error', message, ...(field ? { field } : {}), ...(code ? { code } : {}) };
}

/** `onServerError`: told of every error answered with a 500 (the status counts the database's storage errors). */
export function installErrorHandler(app: FastifyInstance, log: Logger, onServerError?: (err: Error) => void): void {
  app.setErrorHandler((err: FastifyError | LedgerError | ApiError, req, reply) => {
    if (err instanceof LedgerError) {
      const status = LEDGER_STATUS[err.code];
      if (status >= 500) {
        log.error({ err, url: req.url }, 'ledger invariant failed');
        onServerError?.(err);
      }
      return reply.status(status).send(errorBody(status, err.message, err.field, err.code));
    }
    if (err instanceof ApiError) return reply.status(err.statusCode).send(errorBody(err.statusCode, err.message, err.field));
    const fe = err as FastifyError;
    if (fe.validation) {
      const first = fe.validation[0];
      const params = (first?.params ?? {}) as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
      const path = first ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
      const field = first ? (params.additionalProperty !== undefined ? [path, params.additionalProperty].filter(Boolean).join('.') : path || params.missingProperty) : undefined;
      const message =
        params.additionalProperty !== undefined
          ? `has a field it does not know: ${params.additionalProperty}`
          : params.allowedValues !== undefined
            ? `must be one of ${params.allowedValues.join(', ')}`
            : (first?.message ?? fe.message);
      return reply.status(400).send(errorBody(400, `${fe.validationContext ?? 'request'}${first?.instancePath ?? ''} ${message}`.trim(), field));
    }
    const status = fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500;
    if (status >= 500) {
      log.error({ err, url: req.url }, 'request failed');
      onServerError?.(err);
    }
    return reply.status(status).send(errorBody(status, status >= 500 ? 'internal error: see the hub log' : fe.message));
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send(errorBody(404, `no route ${req.method} ${req.url.split('?')[0]}`)));
}
