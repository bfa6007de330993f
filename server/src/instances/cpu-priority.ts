import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** How much an instance thread yields to the event loop: a nice increment (0–19), or Linux's SCHED_IDLE policy. */
export type InstancePriority = number | 'idle';

/**
 * Lowers the CPU priority of the calling thread, before onnxruntime creates its own threads (they
 * inherit it), and says what it got. On Linux a thread's nice value and policy are its own
 * (setpriority and sched_setscheduler on a thread id).
 *
 * `idle`: nice 19, then SCHED_IDLE through util-linux's `chrt` on this thread's id (Node has no call
 * for it). A thread under SCHED_IDLE runs only when no normal thread wants its core, and a waking
 * normal thread preempts it at once, so the event loop answers probes as soon as it wakes. It also
 * means instances starve while anything else of normal priority keeps the cores busy: safe inside a
 * container's own cgroup (where the server's threads are the only competitors), not on a shared host.
 * Never throws: where the platform refuses, the thread keeps what it has and `shortfall` says so.
 */
export function lowerPriority(priority: InstancePriority): PriorityResult {
  const thread = threadId();
  const result = lower(priority, thread);
  return thread === undefined ? result : { ...result, thread };
}

function lower(priority: InstancePriority, thread: number | undefined): PriorityResult {
  if (priority === 0) return { got: 'nice unchanged' };
  const nice = priority === 'idle' ? 19 : priority;
  try {
    setPriority(0, Math.min(19, getPriority(0) + Math.max(0, nice)));
  } catch (err) {
    return { got: 'priority unchanged', shortfall: `setpriority refused: ${(err as Error).message}` };
  }
  const got = `nice ${getPriority(0)}`;
  if (priority !== 'idle') return { got };
  try {
    if (thread === undefined) throw new Error('no /proc/thread-self');
    execFileSync('chrt', ['--idle', '-p', '0', String(thread)], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
    return { got: `SCHED_IDLE, ${got}` };
  } catch (err) {
    return { got, shortfall: `SCHED_IDLE not set (${(err as Error).message.split('\n')[0]})` };
  }
}

/** The calling thread's kernel id (Linux: /proc/thread-self links to <pid>/task/<tid>); undefined elsewhere. */
function threadId(): number | undefined {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
}

/** What a thread got; `shortfall` says why it is less than what was asked (the server logs it). */
export interface PriorityResult {
  got: string;
  shortfall?: string;
  /** The instance thread's kernel thread id (Linux), so an operator or a test can read its priority back from /proc. */
  thread?: number;
}
