import { ModelshipError } from '../errors.js';
import type { LoadedSession } from './types.js';

/** The one part of a GPUDevice this needs; declared here so the library needs no @webgpu/types. */
export interface LosableDevice {
  lost: Promise<{ reason?: string; message?: string }>;
}

export function isLosableDevice(value: unknown): value is LosableDevice {
  return typeof value === 'object' && value !== null && typeof (value as { lost?: { then?: unknown } }).lost?.then === 'function';
}

/**
 * A lost GPU device (driver reset, GPU process crash, tab in the background too long) never comes
 * back, and the runtimes then hang or return garbage. From the moment `lost` settles, every run —
 * the one in flight included — rejects with BACKEND_UNAVAILABLE and `details.reason: 'device-lost'`,
 * so the caller can move to another runtime.
 */
export function guardDeviceLoss(session: LoadedSession, device: unknown): LoadedSession {
  if (!isLosableDevice(device)) return session;
  let lostError: ModelshipError | undefined;
  const lost = device.lost.then((info) => {
    lostError = new ModelshipError('BACKEND_UNAVAILABLE', `The WebGPU device of ${session.runtime} was lost (${info?.reason ?? 'unknown'}): ${info?.message || 'no message'}`, {
      details: { reason: 'device-lost', runtime: session.runtime, gpuReason: info?.reason },
    });
    throw lostError;
  });
  // Nobody may be running when it is lost; the rejection is read on the next run.
  lost.catch(() => undefined);
  return {
    runtime: session.runtime,
    runtimeVersion: session.runtimeVersion,
    executionProvider: session.executionProvider,
    run: (feeds) => (lostError ? Promise.reject(lostError) : Promise.race([session.run(feeds), lost])),
    dispose: () => session.dispose(),
  };
}
