// Server-generated ids. Every store checks an id with `isUuid` before it becomes part of a path, so
// no client string ever reaches the filesystem.

import { randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const newId = (): string => randomUUID();

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
