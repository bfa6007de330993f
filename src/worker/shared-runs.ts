import type { TensorMap } from '../engine.js';
import type { RunReply, SharedReady, SharedSetup } from './protocol.js';
import { createSharedSlot, fits, nextRequest, postReply } from './shared-slot.js';

/**
 * The worker's end of the shared-memory channel (shared-slot.ts): waits for each request in the slot,
 * runs it like a message run, and answers in the slot when the reply is the single output it can hold;
 * an error or any other reply goes back as the usual message (`sendMessage`), which settles the run on
 * the page. It first says it serves the slot (SharedReady). Returns once the page closes the slot.
 */
export async function serveSharedRuns(
  setup: SharedSetup,
  run: (feeds: TensorMap, id: number) => Promise<RunReply>,
  sendMessage: (message: RunReply | SharedReady) => void,
): Promise<void> {
  const slot = createSharedSlot(setup.shared);
  sendMessage({ sharedReady: true });
  let seen = 0;
  for (;;) {
    const request = await nextRequest(slot, seen);
    if (!request) return;
    seen = request.id;
    const reply = await run({ [setup.input]: { data: request.data, dims: request.dims } }, request.id);
    const output = reply.ok ? singleOutput(reply.value, setup.output) : undefined;
    if (output && fits(slot, output.dims, output.data.length)) {
      postReply(slot, request.id, output);
    } else {
      // The message first, so the page has it queued by the time it reads BY_MESSAGE.
      sendMessage(reply);
      postReply(slot, request.id, undefined);
    }
  }
}

/** The named output when it is the only one (the shape the page expects back from the slot). */
function singleOutput(outputs: TensorMap, name: string): TensorMap[string] | undefined {
  let count = 0;
  for (const key in outputs) if (Object.hasOwn(outputs, key)) count++;
  return count === 1 ? outputs[name] : undefined;
}
