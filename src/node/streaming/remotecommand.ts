// Runs exec or attach for one client, whatever carries the streams (SPDY or WebSocket), and
// reports how it ended on the error stream.
import type { PodRef, StreamIO, StreamRuntime, TerminalSize } from '../types';
import type { CommandOptions } from './routes';
import type { Outcome } from './status';

export interface CommandTarget {
  kind: 'exec' | 'attach';
  pod: PodRef;
  container: string;
  opts: CommandOptions;
}

export interface CommandChannels {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Registers for terminal sizes from the client. */
  onResize?: (listener: (size: TerminalSize) => void) => void;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** Writes the outcome, closes every stream and the connection. */
  finish(outcome: Outcome): Promise<void>;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function runCommand(runtime: StreamRuntime, t: CommandTarget, ch: CommandChannels): Promise<void> {
  const io: StreamIO = { tty: t.opts.tty, signal: ch.signal };
  if (ch.stdin) io.stdin = ch.stdin;
  if (ch.stdout) io.stdout = ch.stdout;
  if (ch.stderr) io.stderr = ch.stderr;
  if (ch.onResize) io.onResize = ch.onResize;
  let outcome: Outcome;
  try {
    if (t.kind === 'exec') outcome = { exitCode: await runtime.exec(t.pod, t.container, t.opts.command, io) };
    else {
      await runtime.attach(t.pod, t.container, io);
      outcome = { exitCode: 0 };
    }
  } catch (err) {
    outcome = { error: message(err) };
  }
  if (!ch.signal.aborted) await ch.finish(outcome);
}
