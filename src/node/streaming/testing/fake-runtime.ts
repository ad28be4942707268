// A StreamRuntime for tests that runs "containers" as host processes: exec spawns the command
// (under a pty with tty), attach joins a long-running main process, logs are CRI files the
// test writes, and port-forward dials a local port. Enough to drive the real kubectl.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { appendFile, mkdir } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { type PodRef, type StreamIO, type StreamRuntime, StreamTargetError } from '../../types';

interface FakeContainer {
  restarts: number;
  running: boolean;
  main?: ChildProcessWithoutNullStreams;
}

export class FakeRuntime implements StreamRuntime {
  private readonly containers = new Map<string, FakeContainer>();
  /** Pod port → local port actually dialled. */
  readonly ports = new Map<number, number>();

  constructor(readonly dir: string, readonly cwd: string) {}

  private key(pod: PodRef, c: string): string {
    return `${pod.namespace}/${pod.name}/${c}`;
  }

  addContainer(pod: PodRef, c: string, mainCommand?: string[]): void {
    const fc: FakeContainer = { restarts: 0, running: true };
    if (mainCommand) fc.main = spawn(mainCommand[0] ?? 'sh', mainCommand.slice(1), { cwd: this.cwd });
    this.containers.set(this.key(pod, c), fc);
  }

  private get(pod: PodRef, c: string): FakeContainer {
    const fc = this.containers.get(this.key(pod, c));
    if (!fc) throw new StreamTargetError('NotFound', `container "${c}" in pod ${pod.namespace}/${pod.name} not found`);
    return fc;
  }

  logPath(pod: PodRef, c: string, restart: number): string {
    return join(this.dir, `${pod.namespace}_${pod.name}`, c, `${restart}.log`);
  }

  /** Appends CRI lines to the current instance's log. */
  async writeLog(pod: PodRef, c: string, lines: string[]): Promise<void> {
    const p = this.logPath(pod, c, this.get(pod, c).restarts);
    await mkdir(join(p, '..'), { recursive: true });
    await appendFile(p, lines.map((l) => l + '\n').join(''));
  }

  restart(pod: PodRef, c: string): void {
    this.get(pod, c).restarts++;
  }

  stop(pod: PodRef, c: string): void {
    this.get(pod, c).running = false;
  }

  async containerRunning(pod: PodRef, c: string): Promise<boolean> {
    return this.get(pod, c).running;
  }

  async logFile(pod: PodRef, c: string, previous: boolean): Promise<string> {
    const fc = this.get(pod, c);
    if (previous && fc.restarts === 0) throw new StreamTargetError('BadRequest', `previous terminated container "${c}" in pod "${pod.name}" not found`);
    return this.logPath(pod, c, previous ? fc.restarts - 1 : fc.restarts);
  }

  async exec(pod: PodRef, c: string, command: string[], io: StreamIO): Promise<number> {
    if (!this.get(pod, c).running) throw new StreamTargetError('Conflict', `container ${c} is not running`);
    const [file = 'sh', ...args] = command;
    return io.tty ? this.execTty(file, args, io) : this.execPlain(file, args, io);
  }

  private execPlain(file: string, args: string[], io: StreamIO): Promise<number> {
    return new Promise((resolve) => {
      const child = spawn(file, args, { cwd: this.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
      if (io.stdin) io.stdin.pipe(child.stdin);
      else child.stdin.end();
      child.stdin.on('error', () => undefined);
      if (io.stdout) child.stdout.pipe(io.stdout, { end: false });
      else child.stdout.resume();
      if (io.stderr) child.stderr.pipe(io.stderr, { end: false });
      else child.stderr.resume();
      io.signal?.addEventListener('abort', () => child.kill('SIGKILL'));
      child.on('error', () => resolve(127));
      child.on('close', (code, sig) => resolve(code ?? (sig ? 128 + 9 : 1)));
    });
  }

  private execTty(file: string, args: string[], io: StreamIO): Promise<number> {
    return new Promise((resolve) => {
      const term = pty.spawn(file, args, { cwd: this.cwd, cols: 80, rows: 24, env: { ...process.env, TERM: 'xterm' } });
      io.onResize?.((s) => term.resize(s.width, s.height));
      term.onData((d) => io.stdout?.write(d));
      io.stdin?.on('data', (d: Buffer) => term.write(d));
      io.signal?.addEventListener('abort', () => term.kill('SIGKILL'));
      // Output still in flight when the shell exits is let through first.
      term.onExit(({ exitCode }) => setTimeout(() => resolve(exitCode), 100));
    });
  }

  async attach(pod: PodRef, c: string, io: StreamIO): Promise<void> {
    const main = this.get(pod, c).main;
    if (!main) throw new StreamTargetError('BadRequest', `container ${c} has no main process to attach to`);
    const onOut = (d: Buffer) => io.stdout?.write(d);
    main.stdout.on('data', onOut);
    const onIn = (d: Buffer) => main.stdin.write(d);
    io.stdin?.on('data', onIn);
    await new Promise<void>((resolve) => {
      // Detaching when stdin ends leaves a moment for the echo of the last input.
      io.stdin?.on('end', () => setTimeout(resolve, 300));
      io.signal?.addEventListener('abort', () => resolve());
      main.on('close', () => resolve());
    });
    main.stdout.off('data', onOut);
    io.stdin?.off('data', onIn);
  }

  async portForward(_pod: PodRef, port: number): Promise<Socket> {
    const local = this.ports.get(port);
    if (!local) throw new StreamTargetError('BadRequest', `nothing listens on port ${port}`);
    return new Promise((resolve, reject) => {
      const s = connect(local, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
  }

  close(): void {
    for (const fc of this.containers.values()) fc.main?.kill('SIGKILL');
  }
}
