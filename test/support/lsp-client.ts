// A minimal Language Server Protocol client over stdio (Content-Length framing, JSON-RPC
// 2.0), enough to drive a real language server from a test: requests, notifications,
// answers to the server's own requests, and bounded waits for a notification.
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

type Message = { jsonrpc: '2.0'; id?: number | string; method?: string; params?: unknown; result?: unknown; error?: { message: string } };

export class LspClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly notifications: Message[] = [];
  private readonly waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  private stderr = '';
  private exited: string | undefined;

  /**
   * @param command the server's argv
   * @param onServerRequest answers a request the server sends to the client (workspace/configuration, ...)
   */
  constructor(command: readonly string[], private readonly onServerRequest: (method: string, params: unknown) => unknown = () => null) {
    this.child = spawn(command[0], command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.child.on('exit', (code, signal) => {
      this.exited = `exited (code ${code}, signal ${signal})`;
      for (const p of this.pending.values()) p.reject(new Error(`language server ${this.exited}; stderr:\n${this.stderr}`));
      this.pending.clear();
    });
  }

  request<T = unknown>(method: string, params: unknown, timeoutMs = 15000): Promise<T> {
    const id = this.nextId++;
    this.send({ jsonrpc: '2.0', id, method, params });
    return this.bounded(
      new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })),
      timeoutMs,
      `no answer to ${method}`,
    );
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  /** The first notification (already received or still to come) for which `match` holds. */
  waitFor(method: string, match: (params: unknown) => boolean, timeoutMs: number, what: string): Promise<unknown> {
    const test = (m: Message) => m.method === method && match(m.params);
    const seen = this.notifications.find(test);
    if (seen) return Promise.resolve(seen.params);
    return this.bounded(
      new Promise<Message>((resolve) => this.waiters.push({ match: test, resolve })).then((m) => m.params),
      timeoutMs,
      what,
    );
  }

  /** shutdown + exit, then SIGKILL if the server is still there after a second. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      await this.request('shutdown', null, 3000);
      this.notify('exit', null);
    } catch {
      // fall through to the kill
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 1000);
    await gone;
    clearTimeout(timer);
  }

  private bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what} within ${ms} ms (language server ${this.exited ?? 'running'}); stderr:\n${this.stderr}`)),
        ms,
      );
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  private send(message: Message): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.child.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = /Content-Length: *(\d+)/i.exec(this.buffer.subarray(0, end).toString('ascii'));
      if (!length) throw new Error(`bad LSP header: ${this.buffer.subarray(0, end).toString('ascii')}`);
      const start = end + 4;
      const size = Number(length[1]);
      if (this.buffer.length < start + size) return;
      const message = JSON.parse(this.buffer.subarray(start, start + size).toString('utf8')) as Message;
      this.buffer = this.buffer.subarray(start + size);
      this.dispatch(message);
    }
  }

  private dispatch(m: Message): void {
    if (m.method !== undefined && m.id !== undefined) {
      // A request from the server: answer it so it does not wait for us.
      Promise.resolve()
        .then(() => this.onServerRequest(m.method!, m.params))
        .then((result) => this.send({ jsonrpc: '2.0', id: m.id, result: result ?? null }));
    } else if (m.method !== undefined) {
      this.notifications.push(m);
      for (const w of [...this.waiters]) {
        if (w.match(m)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    } else if (typeof m.id === 'number' && this.pending.has(m.id)) {
      const p = this.pending.get(m.id)!;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error.message));
      else p.resolve(m.result);
    }
  }
}
