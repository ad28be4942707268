// Prometheus text metrics for the API server (a small subset of kube-apiserver's names).
export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly durationSum = new Map<string, number>();
  private readonly durationCount = new Map<string, number>();
  private readonly gauges = new Map<string, () => number>();

  observeRequest(verb: string, code: number, seconds: number): void {
    const k = `verb="${verb.toUpperCase()}",code="${code}"`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
    const v = `verb="${verb.toUpperCase()}"`;
    this.durationSum.set(v, (this.durationSum.get(v) ?? 0) + seconds);
    this.durationCount.set(v, (this.durationCount.get(v) ?? 0) + 1);
  }

  /** A value read at scrape time (e.g. RSS, store revision). */
  gauge(name: string, read: () => number): void {
    this.gauges.set(name, read);
  }

  render(): string {
    const out: string[] = [];
    out.push('# HELP apiserver_request_total Counter of apiserver requests broken out by verb and HTTP response code.');
    out.push('# TYPE apiserver_request_total counter');
    for (const [k, n] of this.requests) out.push(`apiserver_request_total{${k}} ${n}`);
    out.push('# HELP apiserver_request_duration_seconds Response latency in seconds by verb.');
    out.push('# TYPE apiserver_request_duration_seconds summary');
    for (const [k, s] of this.durationSum) {
      out.push(`apiserver_request_duration_seconds_sum{${k}} ${s}`);
      out.push(`apiserver_request_duration_seconds_count{${k}} ${this.durationCount.get(k) ?? 0}`);
    }
    for (const [name, read] of this.gauges) {
      out.push(`# TYPE ${name} gauge`);
      out.push(`${name} ${read()}`);
    }
    return `${out.join('\n')}\n`;
  }
}
