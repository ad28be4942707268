// Terminal sizes arrive as a stream of JSON objects ({"Width":80,"Height":24}), newline-separated
// on SPDY and one per message on WebSocket; either may be split or joined in transit.
import type { TerminalSize } from '../types';

export class ResizeParser {
  private text = '';

  /** Returns every complete size in `chunk` (plus what earlier chunks left). */
  push(chunk: Buffer | string): TerminalSize[] {
    this.text += chunk.toString();
    const out: TerminalSize[] = [];
    for (;;) {
      const end = objectEnd(this.text);
      if (end < 0) break;
      const one = this.text.slice(0, end);
      this.text = this.text.slice(end);
      try {
        const v = JSON.parse(one) as { Width?: unknown; Height?: unknown };
        const width = Number(v.Width);
        const height = Number(v.Height);
        if (width > 0 && height > 0) out.push({ width, height });
      } catch {
        // A malformed size is dropped, as the kubelet does.
      }
    }
    return out;
  }
}

/** Index just past the first complete {...} object, or -1 (sizes hold no strings or nesting). */
function objectEnd(s: string): number {
  const start = s.indexOf('{');
  if (start < 0) return -1;
  const close = s.indexOf('}', start);
  return close < 0 ? -1 : close + 1;
}
