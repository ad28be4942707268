// The cluster's private CA and the API server's serving certificate, made at first start and kept
// under DIR/pki. ECDSA P-256 because key generation is instant (RSA-2048 takes ~100 ms).
// Reading and checking existing files uses node:crypto only; @peculiar/x509 (slow to load, ~100 ms)
// is imported just when something has to be issued.
import { X509Certificate, createPrivateKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './kubeconfig';

export interface PkiOptions {
  /** DNS names the serving certificate must cover besides localhost and os.hostname(). */
  hostnames: string[];
  /** IP addresses it must cover besides 127.0.0.1 and ::1. */
  ips: string[];
  now: Date;
}

export interface Pki {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

const DAY = 86_400_000;
const RENEW_BEFORE = 30 * DAY;
const CA_LIFETIME = 10 * 365 * DAY;
const SERVING_LIFETIME = 365 * DAY;
// Backdated so a client whose clock runs a little behind ours still accepts a fresh certificate.
const BACKDATE = 60 * 60 * 1000;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

interface Pair {
  certPem: string;
  keyPem: string;
  cert: X509Certificate;
  key: KeyObject;
}

interface Names {
  dns: string[];
  ips: string[];
}

/** Loads or issues the CA and serving certificate; reissues what is missing, broken, expiring or too narrow. */
export async function ensurePki(dataDir: string, opts: PkiOptions): Promise<Pki> {
  const dir = join(dataDir, 'pki');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const names = wantedNames(opts);
  const now = opts.now.getTime();

  let ca = await loadPair(dir, 'ca');
  let serving = await loadPair(dir, 'server');
  if (!ca || !caUsable(ca, now)) {
    ca = await issueCa(now);
    await savePair(dir, 'ca', ca);
    serving = undefined;
  }
  if (!serving || !servingUsable(serving, ca, names, now)) {
    serving = await issueServing(ca, names, now);
    await savePair(dir, 'server', serving);
  }
  return { caCertPem: ca.certPem, certPem: serving.certPem, keyPem: serving.keyPem };
}

/**
 * The key service account tokens are signed with (DIR/pki/sa.key, ECDSA P-256 for ES256), made
 * on first start and kept apart from the CA so either can be replaced alone. Replacing it
 * invalidates every token issued before.
 */
export async function ensureServiceAccountKey(dataDir: string): Promise<KeyObject> {
  const dir = join(dataDir, 'pki');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'sa.key');
  let pem: string | undefined;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const existing = pem === undefined ? undefined : usableSaKey(pem);
  if (existing) return existing;
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const fresh = await exportKey(keys.privateKey);
  // Exclusive on first start, so two servers starting at once end up signing with one key.
  if (await writeFileAtomic(path, fresh, { mode: 0o600, exclusive: pem === undefined })) return createPrivateKey(fresh);
  const winner = usableSaKey(await readFile(path, 'utf8'));
  if (!winner) throw new Error(`${path}: not an ECDSA P-256 private key; delete it to have a new one made`);
  return winner;
}

function usableSaKey(pem: string): KeyObject | undefined {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The names to cover: always loopback and this host; IPs given as hostnames move to ips. */
export function wantedNames(opts: Pick<PkiOptions, 'hostnames' | 'ips'>): Names {
  const dns = new Set<string>();
  const ips = new Set<string>(['127.0.0.1', '::1']);
  for (const raw of ['localhost', hostname(), ...opts.hostnames, ...opts.ips]) {
    const n = raw.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
    if (isIP(n)) {
      // A wildcard listen address is not a name a client dials.
      if (n !== '0.0.0.0' && n !== '::') ips.add(n);
    } else if (/^[a-z0-9_*]([a-z0-9_.-]*[a-z0-9_])?$/.test(n)) {
      dns.add(n);
    }
  }
  return { dns: [...dns], ips: [...ips] };
}

async function loadPair(dir: string, base: string): Promise<Pair | undefined> {
  let certPem: string;
  let keyPem: string;
  try {
    certPem = await readFile(join(dir, `${base}.crt`), 'utf8');
    keyPem = await readFile(join(dir, `${base}.key`), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const cert = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    // A crash between writing the key and the certificate leaves a mismatched pair: reissue.
    if (!cert.checkPrivateKey(key)) return undefined;
    return { certPem, keyPem, cert, key };
  } catch {
    return undefined;
  }
}

async function savePair(dir: string, base: string, p: Pair): Promise<void> {
  await writeFileAtomic(join(dir, `${base}.key`), p.keyPem, { mode: 0o600 });
  await writeFileAtomic(join(dir, `${base}.crt`), p.certPem, { mode: 0o644 });
}

function inDate(cert: X509Certificate, now: number): boolean {
  return Date.parse(cert.validFrom) <= now && Date.parse(cert.validTo) - now > RENEW_BEFORE;
}

function caUsable(ca: Pair, now: number): boolean {
  const d = ca.key.asymmetricKeyDetails;
  return ca.cert.ca && ca.key.asymmetricKeyType === 'ec' && d?.namedCurve === 'prime256v1' && inDate(ca.cert, now);
}

function servingUsable(s: Pair, ca: Pair, names: Names, now: number): boolean {
  if (!inDate(s.cert, now) || !s.cert.checkIssued(ca.cert) || !s.cert.verify(ca.cert.publicKey)) return false;
  return (
    names.dns.every((n) => s.cert.checkHost(n, { subject: 'never', wildcards: false }) !== undefined) &&
    names.ips.every((ip) => s.cert.checkIP(ip) !== undefined)
  );
}

async function issueCa(now: number): Promise<Pair> {
  const x = await loadX509();
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    // The timestamp keeps CAs of successive installs apart, as kube-apiserver's self-signed CA does.
    name: `CN=berth-ca@${Math.floor(now / 1000)}`,
    notBefore: new Date(now - BACKDATE),
    notAfter: new Date(now + CA_LIFETIME),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x.BasicConstraintsExtension(true, undefined, true),
      new x.KeyUsagesExtension(x.KeyUsageFlags.keyCertSign | x.KeyUsageFlags.cRLSign | x.KeyUsageFlags.digitalSignature, true),
      await x.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return toPair(cert.toString('pem'), await exportKey(keys.privateKey));
}

async function issueServing(ca: Pair, names: Names, now: number): Promise<Pair> {
  const x = await loadX509();
  const caCert = new x.X509Certificate(ca.certPem);
  const caKey = await webcrypto.subtle.importKey('pkcs8', ca.key.export({ type: 'pkcs8', format: 'der' }), ALG, false, ['sign']);
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const caSki = caCert.getExtension(x.SubjectKeyIdentifierExtension);
  const cert = await x.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=berth-apiserver',
    // The CA's own encoded name, so issuer and subject match byte for byte for chain building.
    issuer: caCert.subjectName,
    notBefore: new Date(now - BACKDATE),
    notAfter: new Date(Math.min(now + SERVING_LIFETIME, Date.parse(ca.cert.validTo))),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALG,
    extensions: [
      new x.BasicConstraintsExtension(false, undefined, true),
      new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature, true),
      new x.ExtendedKeyUsageExtension([x.ExtendedKeyUsage.serverAuth]),
      new x.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      ...(caSki ? [new x.AuthorityKeyIdentifierExtension(caSki.keyId)] : []),
      await x.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return toPair(cert.toString('pem'), await exportKey(keys.privateKey));
}

function toPair(certPem: string, keyPem: string): Pair {
  const pem = certPem.endsWith('\n') ? certPem : `${certPem}\n`;
  return { certPem: pem, keyPem, cert: new X509Certificate(pem), key: createPrivateKey(keyPem) };
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/** 128 random bits, top bit clear so the DER integer stays positive. */
function serial(): string {
  const b = randomBytes(16);
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x01;
  return b.toString('hex');
}

type X509Module = typeof import('@peculiar/x509');
let x509: Promise<X509Module> | undefined;

function loadX509(): Promise<X509Module> {
  x509 ??= (async () => {
    // tsyringe, which @peculiar/x509 uses, needs the Reflect metadata polyfill loaded first.
    await import('reflect-metadata');
    const mod = await import('@peculiar/x509');
    mod.cryptoProvider.set(webcrypto as unknown as Parameters<typeof mod.cryptoProvider.set>[0]);
    return mod;
  })();
  return x509;
}
