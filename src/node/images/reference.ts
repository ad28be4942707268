// Image references as Docker spells and normalizes them:
//   busybox              → docker.io/library/busybox:latest
//   host:5000/x/y@sha256:… keeps its registry, no default tag when a digest is given.
// The grammar follows the distribution project's reference package (domain, path components,
// tag, digest); names are written here from that grammar, not copied.

export interface ImageReference {
  /** Registry host, with port when given, e.g. "docker.io", "127.0.0.1:5000". */
  domain: string;
  /** Repository path inside the registry, e.g. "library/busybox". */
  path: string;
  /** Tag; "latest" when neither tag nor digest was written. */
  tag?: string;
  /** "sha256:<hex>" when pinned. */
  digest?: string;
}

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainRe = new RegExp(`^(?:${domainComponent}(?:\\.${domainComponent})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`);
const pathComponentRe = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagRe = /^[\w][\w.-]{0,127}$/;
const digestRe = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const hex64Re = /^[a-f0-9]{64}$/;

export class InvalidReferenceError extends Error {
  constructor(ref: string, why: string) {
    super(`Failed to apply default image tag "${ref}": couldn't parse image name "${ref}": ${why}`);
    this.name = 'InvalidReferenceError';
  }
}

/** Parses and normalizes `ref`; throws InvalidReferenceError. */
export function parseReference(ref: string): ImageReference {
  if (ref === '') throw new InvalidReferenceError(ref, 'repository name must have at least one component');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestRe.test(digest)) throw new InvalidReferenceError(ref, 'invalid digest format');
    const [alg, hex = ''] = digest.split(':');
    if (alg !== 'sha256') throw new InvalidReferenceError(ref, `unsupported digest algorithm "${alg}"; only sha256 is supported`);
    if (!hex64Re.test(hex)) throw new InvalidReferenceError(ref, 'invalid checksum digest length or characters');
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagRe.test(tag)) throw new InvalidReferenceError(ref, 'invalid tag format');
  }
  if (rest.length > 255) throw new InvalidReferenceError(ref, 'repository name must not be more than 255 characters');
  const { domain, path } = splitDomain(rest, ref);
  if (hex64Re.test(path.replace(/^library\//, '')) && domain === 'docker.io') {
    throw new InvalidReferenceError(ref, 'invalid repository name, cannot specify 64-byte hexadecimal strings');
  }
  for (const part of path.split('/')) {
    if (!pathComponentRe.test(part)) {
      const why = part.toLowerCase() !== part ? 'repository name must be lowercase' : 'invalid reference format';
      throw new InvalidReferenceError(ref, why);
    }
  }
  const out: ImageReference = { domain, path };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  if (tag === undefined && digest === undefined) out.tag = 'latest';
  return out;
}

function splitDomain(name: string, ref: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  let domain: string;
  let path: string;
  // The first component is a registry only if it looks like a host (has a dot or port) or is localhost.
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))) {
    domain = first;
    path = name.slice(slash + 1);
    if (!domainRe.test(domain)) throw new InvalidReferenceError(ref, 'invalid reference format');
  } else {
    domain = 'docker.io';
    path = name;
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (path === '') throw new InvalidReferenceError(ref, 'repository name must have at least one component');
  return { domain, path };
}

/** "docker.io/library/busybox" */
export function repositoryName(r: ImageReference): string {
  return `${r.domain}/${r.path}`;
}

/** The full normalized string: "docker.io/library/busybox:latest", "host/x@sha256:…". */
export function formatReference(r: ImageReference): string {
  return `${repositoryName(r)}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
}

/** The short form Docker prints: "busybox", "user/app", "host:5000/x". */
export function familiarName(repository: string): string {
  if (repository.startsWith('docker.io/library/')) return repository.slice('docker.io/library/'.length);
  if (repository.startsWith('docker.io/')) return repository.slice('docker.io/'.length);
  return repository;
}

/** Splits "repo:tag" (a stored repoTag) into its repository and tag. */
export function splitRepoTag(repoTag: string): { repository: string; tag: string } {
  const colon = repoTag.lastIndexOf(':');
  const slash = repoTag.lastIndexOf('/');
  if (colon <= slash) return { repository: repoTag, tag: '' };
  return { repository: repoTag.slice(0, colon), tag: repoTag.slice(colon + 1) };
}
