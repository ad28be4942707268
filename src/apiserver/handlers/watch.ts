// Watch: a chunked stream of {"type","object"} lines. Initial state first when asked
// (resourceVersion unset/"0" or sendInitialEvents=true), then every change after the revision.
import { ApiError, asApiError, toStatus } from '../../machinery/errors';
import type { KObject } from '../../machinery/types';
import { negotiate } from '../http/negotiate';
import type { StoredEvent } from '../object-store';
import { type RequestContext, toRequestVersion } from './context';
import { parseListQuery, parseRevision } from './list-options';
import { tableOpts } from './output';
import { buildTable } from './table';

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** How often an idle watch with allowWatchBookmarks gets a BOOKMARK. */
const bookmarkEveryMs = 60_000;

/** Which event (if any) a client filtering with `match` sees for a stored change. */
export function visibleEvent(e: StoredEvent, match: ((o: KObject) => boolean) | undefined): EventType | undefined {
  if (!match) return e.type;
  const now = match(e.object);
  if (e.type !== 'MODIFIED') return now ? e.type : undefined;
  const before = e.old ? match(e.old) : now;
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}

export async function handleWatch(rc: RequestContext): Promise<void> {
  const { def, info, res } = rc;
  const q = parseListQuery(def, rc.url.searchParams);
  const table = negotiate(rc.req.headers.accept, true) === 'table';
  let fromRev = parseRevision(q.resourceVersion);
  const initial = q.sendInitialEvents ?? fromRev === 0;
  let headerSent = false;
  let latestRev = fromRev;

  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  const send = (type: EventType, obj: KObject | Record<string, unknown>) => {
    if (closed || res.writableEnded) return;
    let object = obj;
    if (table && (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')) {
      object = buildTable(def, [obj as KObject], rc.deps.clock.now(), { resourceVersion: (obj as KObject).metadata.resourceVersion ?? '' }, { ...tableOpts(rc.url), noHeaders: headerSent });
      headerSent = true;
    }
    res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const bookmark = (annotations?: Record<string, string>) => {
    const apiVersion = def.group === '' ? info.version : `${def.group}/${info.version}`;
    send('BOOKMARK', { kind: def.kind, apiVersion, metadata: { resourceVersion: String(latestRev), ...(annotations ? { annotations } : {}) } });
  };

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  res.flushHeaders();

  if (initial) {
    const page = await rc.deps.store.list(def, info.namespace, q.filter ? { filter: q.filter } : {});
    for (const o of page.items) send('ADDED', toRequestVersion(def, o, info.version));
    fromRev = page.revision;
    latestRev = page.revision;
    if (q.sendInitialEvents && q.allowWatchBookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  }

  let stop: () => void;
  try {
    stop = await rc.deps.store.watch(def, info.namespace, fromRev, (e) => {
      latestRev = e.revision;
      const type = visibleEvent(e, q.filter);
      if (type) send(type, toRequestVersion(def, e.object, info.version));
    });
  } catch (err) {
    const apiErr = err instanceof ApiError ? err : asApiError(err);
    send('ERROR', toStatus(apiErr) as unknown as Record<string, unknown>);
    res.end();
    return;
  }

  if (closed) {
    stop();
    return;
  }
  const timeoutMs = (q.timeoutSeconds ?? 1800 + Math.floor(Math.random() * 1800)) * 1000;
  await new Promise<void>((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      for (const t of timers) clearTimeout(t);
      stop();
      resolve();
    };
    timers.push(setTimeout(() => {
      res.end();
      finish();
    }, timeoutMs));
    if (q.allowWatchBookmarks) timers.push(setInterval(() => bookmark(), bookmarkEveryMs));
    res.on('close', finish);
  });
}
