import type { TensorMap } from '../engine.js';
import { deserializeError } from '../errors-wire.js';
import type { DownloadReply, LivenessReply, LivenessRequest, RunReply, RunRequest, RuntimeDownload } from './protocol.js';
import { tensorBuffers } from './transfer.js';

interface Pending {
  resolve: (outputs: TensorMap) => void;
  reject: (error: Error) => void;
}

/** The main-thread end of the run port: requests get increasing ids, replies are matched by id. */
export class RunChannel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Receives the liveness replies (see `liveness.ts`). */
  onLiveness: ((reply: LivenessReply) => void) | undefined;
  /** Receives the runtime's download progress while it starts (see `runtime-download.ts`). */
  onDownload: ((download: RuntimeDownload) => void) | undefined;

  constructor(private readonly port: MessagePort) {
    port.onmessage = (event: MessageEvent<RunReply | LivenessReply | DownloadReply>) => {
      const data = event.data;
      if ('id' in data) this.settle(data);
      else if ('download' in data) this.onDownload?.(data.download);
      else this.onLiveness?.(data);
    };
  }

  get pendingRuns(): number {
    return this.pending.size;
  }

  sendLiveness(request: LivenessRequest): void {
    this.port.postMessage(request);
  }

  run(feeds: TensorMap): Promise<TensorMap> {
    const id = this.nextId++;
    return new Promise<TensorMap>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: RunRequest = { id, feeds };
      this.port.postMessage(request, tensorBuffers(feeds));
    });
  }

  /** A reply that will never come (the worker died or timed out) must not leave its promise hanging. */
  rejectAll(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  close(): void {
    this.port.onmessage = null;
    this.port.close();
  }

  private settle(reply: RunReply): void {
    const entry = this.pending.get(reply.id);
    if (!entry) return;
    this.pending.delete(reply.id);
    if (reply.ok) entry.resolve(reply.value);
    else entry.reject(deserializeError(reply.error));
  }
}
