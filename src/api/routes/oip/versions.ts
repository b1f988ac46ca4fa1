// `:version` in /v2 paths -> a checkpoint. The protocol's versions are our checkpoint selectors: a
// checkpoint id, `latest` (also when the path names no version), `best` or a label. This is the one
// place /v2 resolves them; it delegates to InferenceService.resolve, the resolver /v1 predict uses,
// so when that resolver learns labels every /v2 route (infer included) does too.

import type { ModelRecord } from '../../../storage/types.js';
import type { AppDeps } from '../../deps.js';

/** The version a path without `/versions/:version` means. */
export const DEFAULT_VERSION = 'latest';

/** The checkpoint selector predict takes for a /v2 version (absent: `latest`). */
export function versionSelector(version: string | undefined): string {
  return version ?? DEFAULT_VERSION;
}

/** The checkpoint a version names, weights loaded and sha256-checked: 404 when unknown, 409 when the model has none or it is corrupt. */
export async function resolveVersion(deps: AppDeps, model: ModelRecord, version: string | undefined) {
  return (await deps.inference.resolve(model, versionSelector(version))).record;
}

/** The versions a client may name explicitly: every checkpoint id, newest first. */
export async function listVersions(deps: AppDeps, model: ModelRecord): Promise<string[]> {
  return (await deps.storage.checkpoints.all(model.id)).map((record) => record.id);
}
