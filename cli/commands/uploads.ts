// After an import: how far the hub has resolved and rolled up what it wrote (GET /v1/uploads/{id}), waited for
// with --wait; and the hub's own rules for --infer-themes (GET /v1/taxonomy).
import { setTimeout as sleep } from 'node:timers/promises';
import { TaxonomyViewSchema } from '../../schemas/taxonomy.ts';
import { type UploadStatus, UploadStatusSchema } from '../../schemas/upload.ts';
import { type TaxonomyRules, TaxonomyRulesSchema } from '../../shared/taxonomy/inference.ts';
import type { ApiClient } from '../api-client.ts';

export async function fetchTaxonomyRules(api: ApiClient): Promise<TaxonomyRules> {
  const view = await api.json(TaxonomyViewSchema, 'GET', '/v1/taxonomy');
  return TaxonomyRulesSchema.parse(view.rules);
}

export async function uploadStatus(api: ApiClient, uploadId: string): Promise<UploadStatus> {
  return api.json(UploadStatusSchema, 'GET', `/v1/uploads/${encodeURIComponent(uploadId)}`);
}

/** One look, or (wait) looks every few seconds until done or the timeout, saying how far it got. */
export async function followUpload(
  api: ApiClient,
  uploadId: string,
  options: { wait: boolean; timeoutSeconds: number; log: (line: string) => void; pollMs?: number },
): Promise<UploadStatus> {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let status = await uploadStatus(api, uploadId);
  let last = '';
  while (options.wait && !status.done && Date.now() < deadline) {
    const line = `  waiting for the hub: ${status.rolledUp} of ${status.grants} grants resolved and rolled up...`;
    if (line !== last) options.log(line);
    last = line;
    await sleep(options.pollMs ?? 2000);
    status = await uploadStatus(api, uploadId);
  }
  return status;
}

export function formatUploadStatus(s: UploadStatus): string[] {
  const lines = [
    s.done
      ? `Processed: all ${s.grants} grants this import wrote are resolved to organisations and in the gap figures` +
        (s.setAside
          ? `, but ${s.setAside} wait for a stream record the hub set aside (the operator sees them with \`cofund dead-letters\`)`
          : '') +
        '.'
      : `Still processing (upload ${s.uploadId}): ${s.pending.resolution} of ${s.grants} grants still being resolved, ` +
        `${s.pending.rollup} being rolled up into the gap figures` +
        (s.setAside ? `, ${s.setAside} set aside` : '') +
        '. `cofund import --wait` waits; GET /v1/uploads/' +
        `${s.uploadId} tells.`,
  ];
  return lines;
}
