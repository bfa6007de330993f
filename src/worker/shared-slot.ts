/**
 * One run at a time through shared memory, between the page and its inference worker: the request's
 * values and the reply's are written into a SharedArrayBuffer and signalled with Atomics. A
 * postMessage round trip cost the page and the worker 115–145 µs more than this on a batch-1 MNIST run
 * (`npm run bench:transport`, headless Chromium, 2 cores: the minimal worker in 0.67–0.71 ms, the same
 * worker over shared memory in 0.56–0.59 ms), about as much as all of modelship's own per-call work.
 * Shared memory needs a cross-origin isolated page (COOP + COEP); elsewhere runs travel as messages
 * (run-channel.ts).
 *
 * The page writes the input and its dims, then bumps REQUEST (to the run's id) and notifies; the worker,
 * waiting on REQUEST, runs it and either writes the single output and its dims (STATUS = OUTPUT) or sends
 * the reply as an ordinary message (STATUS = BY_MESSAGE: an error, or an output that does not fit), then
 * sets REPLY to the same id and notifies. Both ends wait with `Atomics.waitAsync`, so neither blocks its
 * thread: the worker keeps answering messages (loads, message runs, liveness) while it waits.
 */

/** Int32 slots of the header. */
const REQUEST = 0;
const REPLY = 1;
const STATUS = 2;
const RANK = 3;
const DIMS = 4;
const MAX_RANK = 8;
const HEADER_INTS = DIMS + MAX_RANK;

/** How a reply came back (STATUS). */
export const OUTPUT = 1;
export const BY_MESSAGE = 2;
/** Written by the page when it stops listening (the worker is ending): wakes both ends for good. */
const CLOSED = -1;

/** `Atomics.waitAsync` (ES2024; this project's lib is ES2022), read when called: absent in some browsers. */
type WaitAsync = (array: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (array: Int32Array, index: number, value: number): ReturnType<WaitAsync> =>
  (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync(array, index, value);

/** Float32 values a slot holds (256 KB): one MNIST row is 784, a batch of 64 is 50,176. */
export const SLOT_VALUES = 65_536;

export interface SharedSlot {
  readonly buffer: SharedArrayBuffer;
  readonly header: Int32Array;
  readonly values: Float32Array;
}

export function createSharedSlot(buffer = new SharedArrayBuffer(HEADER_INTS * 4 + SLOT_VALUES * 4)): SharedSlot {
  return { buffer, header: new Int32Array(buffer, 0, HEADER_INTS), values: new Float32Array(buffer, HEADER_INTS * 4) };
}

/** Whether a tensor of these dims fits the slot (rank and values). */
export function fits(slot: SharedSlot, dims: readonly number[], length: number): boolean {
  return dims.length <= MAX_RANK && length <= slot.values.length;
}

function writeDims(slot: SharedSlot, dims: readonly number[]): void {
  slot.header[RANK] = dims.length;
  for (let i = 0; i < dims.length; i++) slot.header[DIMS + i] = dims[i]!;
}

/**
 * The tensor in the slot (a request's input or a reply's output), copied out: the slot is reused for the
 * next message, and a runtime may keep or transfer its input.
 */
function readTensor(slot: SharedSlot): { data: Float32Array; dims: number[] } {
  const rank = slot.header[RANK]!;
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    dims.push(slot.header[DIMS + i]!);
    count *= dims[i]!;
  }
  return { data: slot.values.slice(0, count), dims };
}

// ---- the page's side ----------------------------------------------------------------------

/**
 * Why runs cannot use shared memory here, or undefined when they can: it needs a cross-origin isolated
 * page (COOP + COEP headers) and `Atomics.waitAsync` (Chromium 87+, Safari 16.4+; not yet in Firefox).
 */
export function sharedMemoryUnavailable(): string | undefined {
  if (typeof SharedArrayBuffer !== 'function' || globalThis.crossOriginIsolated !== true) {
    return 'the page is not cross-origin isolated (COOP: same-origin and COEP: require-corp headers), so it cannot share memory with the worker';
  }
  if (typeof (Atomics as unknown as { waitAsync?: unknown }).waitAsync !== 'function') return 'this browser has no Atomics.waitAsync';
  return undefined;
}

/** The id of the last run answered through the slot (0 before any). */
export function lastReply(slot: SharedSlot): number {
  return Atomics.load(slot.header, REPLY);
}

/** Writes run `id`'s input and wakes the worker. The caller checked `fits` and that no run holds the slot. */
export function postRequest(slot: SharedSlot, id: number, data: Float32Array, dims: readonly number[]): void {
  slot.values.set(data);
  writeDims(slot, dims);
  Atomics.store(slot.header, REQUEST, id);
  Atomics.notify(slot.header, REQUEST);
}

/** Resolves once the worker has answered run `id` (or the slot was closed): `OUTPUT`, `BY_MESSAGE` or `undefined` when closed. */
export function awaitReply(slot: SharedSlot, id: number, previous: number): Promise<number | undefined> {
  const read = (): number | undefined => {
    if (Atomics.load(slot.header, REQUEST) === CLOSED) return undefined;
    return Atomics.load(slot.header, REPLY) === id ? Atomics.load(slot.header, STATUS) : undefined;
  };
  // Loops while woken without the reply being there (a notify may wake a waiter early).
  const wait = (): Promise<number | undefined> => {
    if (Atomics.load(slot.header, REPLY) !== previous || Atomics.load(slot.header, REQUEST) === CLOSED) return Promise.resolve(read());
    const waiting = waitAsync(slot.header, REPLY, previous);
    return waiting.async ? waiting.value.then(wait) : wait();
  };
  return wait();
}

/** The reply's output, copied out of the slot (the next run overwrites it). */
export function readOutput(slot: SharedSlot): { data: Float32Array; dims: number[] } {
  return readTensor(slot);
}

/** Ends both ends' waits: the worker's loop returns, a page waiting for a reply gets `undefined`. */
export function closeSlot(slot: SharedSlot): void {
  Atomics.store(slot.header, REQUEST, CLOSED);
  Atomics.notify(slot.header, REQUEST);
  Atomics.notify(slot.header, REPLY);
}

// ---- the worker's side --------------------------------------------------------------------

/** Waits for the next request after `seen`; `undefined` once the page closed the slot. */
export async function nextRequest(slot: SharedSlot, seen: number): Promise<{ id: number; data: Float32Array; dims: number[] } | undefined> {
  for (;;) {
    const id = Atomics.load(slot.header, REQUEST);
    if (id === CLOSED) return undefined;
    if (id !== seen) return { id, ...readTensor(slot) };
    const waiting = waitAsync(slot.header, REQUEST, seen);
    if (waiting.async) await waiting.value;
  }
}

/** Answers run `id`: with its output (the caller checked `fits`), or, without one, says the reply went as a message. */
export function postReply(slot: SharedSlot, id: number, output: { data: Float32Array; dims: readonly number[] } | undefined): void {
  if (output) {
    slot.values.set(output.data);
    writeDims(slot, output.dims);
  }
  Atomics.store(slot.header, STATUS, output ? OUTPUT : BY_MESSAGE);
  Atomics.store(slot.header, REPLY, id);
  Atomics.notify(slot.header, REPLY);
}
