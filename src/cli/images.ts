// `berth images pull REF | ls | rm REF... | import FILE` over the node's image store.
import { join } from 'node:path';
import { ImageService } from '../node/images/image-service';
import { imageTable, progressLine } from '../node/images/format';
import { isMounted, readOverlayMounts } from '../node/images/in-use';
import { familiarName, formatReference, parseReference, repositoryName } from '../node/images/reference';
import type { PullProgress } from '../node/types';

const usage = `Usage: berth images COMMAND

Commands:
  pull REF [--mirror REGISTRY=URL]... [--insecure-registry HOST]...
            Pull an image (e.g. busybox, 127.0.0.1:5000/app:v1)
  ls [-q]   List images
  rm REF... Remove images by name, ID or ID prefix (--force: remove all names of an ID)
  import FILE
            Load images from a "docker save" tar or an OCI image layout tar`;

interface Out {
  write(s: string): unknown;
  isTTY?: boolean;
}

function parsePullFlags(argv: string[]): { ref: string | undefined; mirrors: Record<string, string[]>; insecure: string[] } {
  const mirrors: Record<string, string[]> = {};
  const insecure: string[] = [];
  let ref: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (flag === '--mirror' || flag === '--insecure-registry') {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`flag ${flag} needs a value`);
      if (flag === '--insecure-registry') {
        insecure.push(v);
        continue;
      }
      const eq = v.indexOf('=');
      if (eq <= 0) throw new Error(`Cannot use --mirror "${v}": expected REGISTRY=URL, e.g. docker.io=http://127.0.0.1:5000`);
      (mirrors[v.slice(0, eq)] ??= []).push(v.slice(eq + 1));
    } else if (a.startsWith('-')) {
      throw new Error(`unknown flag ${a} (see berth images --help)`);
    } else if (ref === undefined) {
      ref = a;
    } else {
      throw new Error(`unexpected argument "${a}": pull takes one image`);
    }
  }
  return { ref, mirrors, insecure };
}

/** Docker-style layer lines: redrawn in place on a terminal, one line per status change otherwise. */
function progressPrinter(out: Out): (p: PullProgress) => void {
  const order: string[] = [];
  const last = new Map<string, string>();
  const drawn = new Map<string, number>();
  return (p) => {
    if (!order.includes(p.layer)) {
      order.push(p.layer);
      if (out.isTTY) out.write(`${progressLine(p)}\n`);
    }
    const line = progressLine(p);
    // Byte counts arrive per chunk: a terminal is redrawn at most every 100 ms per layer.
    const now = Date.now();
    if (out.isTTY && p.status === 'Downloading' && last.get(p.layer) === p.status && now - (drawn.get(p.layer) ?? 0) < 100) return;
    drawn.set(p.layer, now);
    if (out.isTTY) {
      const up = order.length - order.indexOf(p.layer);
      out.write(`\x1b[${up}A\r\x1b[2K${line}\x1b[${up}B\r`);
    } else if (last.get(p.layer) !== p.status) {
      out.write(`${p.layer}: ${p.status}\n`);
    }
    last.set(p.layer, p.status);
  };
}

export async function runImagesCommand(argv: string[], opts: { dataDir: string; stdout?: Out; stderr?: Out }): Promise<number> {
  const stdout: Out = opts.stdout ?? process.stdout;
  const stderr: Out = opts.stderr ?? process.stderr;
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '-h' || cmd === '--help' || rest.includes('--help') || rest.includes('-h')) {
    stdout.write(`${usage}\n`);
    return cmd === undefined ? 2 : 0;
  }
  const service = (mirrors: Record<string, string[]> = {}, insecure: string[] = []): ImageService =>
    new ImageService({ root: join(opts.dataDir, 'images'), mirrors, insecureRegistries: insecure });
  try {
    switch (cmd) {
      case 'pull': {
        const { ref, mirrors, insecure } = parsePullFlags(rest);
        if (ref === undefined) throw new Error('pull needs an image, e.g. berth images pull busybox');
        const parsed = parseReference(ref);
        const svc = service(mirrors, insecure);
        if (!ref.includes(':') && !ref.includes('@')) stdout.write('Using default tag: latest\n');
        stdout.write(`${parsed.digest ?? parsed.tag}: Pulling from ${parsed.path}\n`);
        const before = await svc.get(formatReference(parsed));
        let fetched = false;
        const print = progressPrinter(stdout);
        const img = await svc.pull(ref, {
          onProgress: (p) => {
            if (p.status === 'Downloading') fetched = true;
            print(p);
          },
        });
        const digest = img.repoDigests.find((d) => d.startsWith(`${repositoryName(parsed)}@`));
        if (digest) stdout.write(`Digest: ${digest.slice(digest.indexOf('@') + 1)}\n`);
        const short = `${familiarName(repositoryName(parsed))}${parsed.digest ? `@${parsed.digest}` : `:${parsed.tag}`}`;
        const fresh = fetched || before?.id !== img.id;
        stdout.write(`Status: ${fresh ? 'Downloaded newer image' : 'Image is up to date'} for ${short}\n${formatReference(parsed)}\n`);
        return 0;
      }
      case 'ls':
      case 'list': {
        const quiet = rest.includes('-q') || rest.includes('--quiet');
        stdout.write(imageTable(await service().list(), new Date(), quiet));
        return 0;
      }
      case 'rm':
      case 'remove': {
        const force = rest.includes('-f') || rest.includes('--force');
        const refs = rest.filter((a) => !a.startsWith('-'));
        if (refs.length === 0) throw new Error('rm needs at least one image, e.g. berth images rm busybox');
        const svc = service();
        // Containers are not known here: an image whose layer stack is a mounted rootfs is in use.
        const mounts = await readOverlayMounts();
        const inUse = async (id: string): Promise<boolean> => isMounted(await svc.layerPaths(id).catch(() => []), mounts);
        let code = 0;
        for (const r of refs) {
          try {
            const res = await svc.remove(r, { force, inUse });
            for (const u of res.untagged) stdout.write(`Untagged: ${familiarName(u)}\n`);
            for (const d of res.deleted) stdout.write(`Deleted: ${d}\n`);
          } catch (err) {
            stderr.write(`Error response from berth: ${err instanceof Error ? err.message : String(err)}\n`);
            code = 1;
          }
        }
        return code;
      }
      case 'import':
      case 'load': {
        const file = rest.find((a) => !a.startsWith('-'));
        if (file === undefined) throw new Error('import needs a file, e.g. berth images import busybox.tar');
        const images = await service().importArchive(file);
        for (const img of images) {
          if (img.repoTags.length === 0) stdout.write(`Loaded image ID: ${img.id}\n`);
          for (const t of img.repoTags) stdout.write(`Loaded image: ${familiarName(t)}\n`);
        }
        return 0;
      }
      default:
        stderr.write(`berth images: unknown command "${cmd}"\n\n${usage}\n`);
        return 2;
    }
  } catch (err) {
    stderr.write(`Error response from berth: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
