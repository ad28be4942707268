// Watch: a chunked stream of {"type","object"} lines. Initial state first when asked
// (resourceVersion unset/"0" or sendInitialEvents=true), then every change after the revision.
import { ApiError, asApiError, toStatus } from '../../machinery/errors';
import type { KObject } from '../../machinery/types';
import { negotiate } from '../http/negotiate';
import type { StoredEvent } from '../object-store';
import { type RequestContext, toRequestVersion } from './context';
import { parseListQuery, parseRevision } from './list-options';
import { tableOpts } from './output';
import { buildTable, partialMetadata } from './table';
import { apiVersionOf } from '../../machinery/resource';

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Output a watcher may leave unread before it is disconnected. */
const maxBufferedBytes = 16 * 1024 * 1024;

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
  const parsed = parseListQuery(def, rc.url.searchParams, true);
  // GET /watch/.../NAME watches one object, as upstream adds metadata.name=NAME to the selector.
  const name = info.name;
  const q = name === undefined ? parsed : { ...parsed, filter: (o: KObject) => o.metadata.name === name && (parsed.filter?.(o) ?? true) };
  const repr = negotiate(rc.req.headers.accept, true);
  const table = repr === 'table';
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
    } else if (repr === 'partial' && type !== 'ERROR' && type !== 'BOOKMARK') {
      object = partialMetadata(obj as KObject);
    }
    res.write(`${JSON.stringify({ type, object })}\n`);
    // A watcher that stops reading is cut off (it will re-list), rather than buffered forever.
    if (res.writableLength > maxBufferedBytes) res.destroy();
  };
  const bookmark = (annotations?: Record<string, string>) => {
    const apiVersion = apiVersionOf(def, info.version);
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
      try {
        const type = visibleEvent(e, q.filter);
        if (type) send(type, toRequestVersion(def, e.object, info.version));
      } catch (err) {
        // A client must not silently miss an event: end the stream with an ERROR, it re-lists.
        send('ERROR', toStatus(asApiError(err)) as unknown as Record<string, unknown>);
        res.end();
      }
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
  // 0 or absent: upstream's default of 30-60 minutes; the cap keeps setTimeout in range.
  const seconds = q.timeoutSeconds && q.timeoutSeconds > 0 ? q.timeoutSeconds : 1800 + Math.floor(Math.random() * 1800);
  const timeoutMs = Math.min(seconds * 1000, 2 ** 31 - 1);
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
