// Content negotiation: which representation a client accepts (JSON, YAML, Table,
// PartialObjectMetadata) and what format a request body is in.
import { errors } from '../../machinery/errors';

export type Representation = 'json' | 'yaml' | 'table' | 'partial';

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseMediaRanges(header: string): MediaRange[] {
  return header
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [type = '', ...ps] = s.split(';').map((x) => x.trim());
      const params: Record<string, string> = {};
      for (const p of ps) {
        const i = p.indexOf('=');
        if (i > 0) params[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim();
      }
      return { type: type.toLowerCase(), params };
    });
}

/** Picks the first acceptable representation, honouring the client's order. */
export function negotiate(accept: string | undefined, allowTable: boolean): Representation {
  if (!accept) return 'json';
  const ranges = parseMediaRanges(accept);
  for (const r of ranges) {
    const as = r.params.as;
    const isJson = r.type === 'application/json' || r.type === '*/*' || r.type === 'application/*';
    if (as) {
      if (!isJson || r.params.g !== 'meta.k8s.io') continue;
      if (as === 'Table' && allowTable && (r.params.v === 'v1' || r.params.v === 'v1beta1')) return 'table';
      if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && r.params.v === 'v1') return 'partial';
      continue;
    }
    if (isJson) return 'json';
    if (r.type === 'application/yaml') return 'yaml';
  }
  throw errors.notAcceptable(`only the following media types are accepted: application/json, application/yaml`);
}

export type BodyFormat = 'json' | 'yaml' | 'protobuf';

export function bodyFormat(contentType: string | undefined): BodyFormat {
  const t = (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  if (t === 'application/json' || t === '' || t.endsWith('+json')) return 'json';
  if (t === 'application/yaml' || t === 'application/apply-patch+yaml' || t === 'text/yaml') return 'yaml';
  if (t === 'application/vnd.kubernetes.protobuf') return 'protobuf';
  throw errors.unsupportedMediaType(t);
}
