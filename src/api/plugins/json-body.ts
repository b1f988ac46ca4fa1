// The JSON body parser every route shares. Stricter than fastify's default in two ways: the bytes must
// be valid UTF-8 (RFC 8259; the default decodes lossily, storing U+FFFD where a client sent garbage),
// and nesting is capped (no request body needs more than a few levels, and values thousands of levels
// deep overflow the stack of any recursive code that later touches them, down to error messages).
// text/plain, which fastify parses by default, is dropped: the API speaks JSON (415 otherwise).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../errors.js';

/** Deepest nesting of arrays and objects a JSON body may have. A [h, w, c] instance list needs 5. */
export const MAX_JSON_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

const invalidJson = (message: string): AppError => new AppError(400, 'INVALID_JSON', message, [{ path: '/', message }]);

/** Deepest bracket nesting in JSON text, counting only brackets outside strings; stops early past `max`. */
export function jsonDepth(bytes: Uint8Array, max: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    // Fast path: digits, commas and most letters. Every byte that matters is `"` or at least `[`.
    if (c < 0x5b && c !== 0x22) continue;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest && (deepest = depth) > max) return deepest;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

type ParserDone = (err: Error | null, body?: unknown) => void;
/** A `parseAs: 'buffer'` content-type parser. */
type JsonBodyParser = (request: FastifyRequest, body: Buffer, done: ParserDone) => void;

/**
 * The general JSON body parser of `app` (UTF-8 and depth checked, then secure-json-parse). Routes with
 * a faster reader of their own (predict) fall back to it for every body that reader does not accept.
 */
function jsonBodyParser(app: FastifyInstance): JsonBodyParser {
  // Keeps secure-json-parse's __proto__/constructor poisoning checks (onProtoPoisoning: 'error').
  const parse = app.getDefaultJsonParser('error', 'error');
  return (request, bytes, done) => {
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      done(invalidJson('the body is not valid UTF-8'), undefined);
      return;
    }
    if (jsonDepth(bytes, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      done(invalidJson(`the JSON body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    parse(request, text, done);
  };
}

/**
 * Gives the routes of `scope` (an encapsulated plugin) a fast reader of their common body: `read`
 * answers the parsed body, or null to hand the bytes to the general parser (and its errors).
 */
export function useFastJsonReader(scope: FastifyInstance, read: (bytes: Buffer) => unknown): void {
  const general = jsonBodyParser(scope);
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const parsed = read(body as Buffer);
    if (parsed !== null) done(null, parsed);
    else general(request, body as Buffer, done);
  });
}

export const jsonBodyPlugin = fp(
  async (app: FastifyInstance) => {
    const parser = jsonBodyParser(app);
    app.removeContentTypeParser(['application/json', 'text/plain']);
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => parser(request, body as Buffer, done));
  },
  { name: 'json-body', dependencies: ['error-handler'] },
);
