// Wire protocol version 1 between a React Native app and the modelship host page in its WebView.
// Type-only: both sides import it, neither pulls code from the other. Every message is a JSON string.
import type { LoadOptions, LoadProgress, ModelEvents, ModelInfo, Prediction } from '../index.js';

export type ProtocolVersion = 1;

/** One input on the wire: 784 little-endian float32 values in base64, or a picture as a data: URL. */
export type WireInput = { float32: string } | { image: string };

/** LoadOptions that survive JSON: no callbacks, signals, fetch or custom stores. */
export type WireLoadOptions = Omit<LoadOptions, 'onProgress' | 'signal' | 'fetch' | 'cache' | 'onFallback' | 'onWarning'> & {
  cache?: 'indexeddb' | 'memory' | 'none';
};

export interface RequestPayloads {
  load: { manifestUrl: string; options?: WireLoadOptions };
  predict: { input: WireInput };
  predictBatch: { inputs: WireInput[] };
  info: Record<string, never>;
  dispose: Record<string, never>;
  cancel: { target: string };
}

export interface ResultTypes {
  load: ModelInfo;
  predict: Prediction;
  predictBatch: Prediction[];
  info: ModelInfo;
  dispose: null;
  cancel: { cancelled: boolean };
}

export type RequestType = keyof RequestPayloads;

/** App → page. */
export type Request<T extends RequestType = RequestType> = T extends RequestType
  ? { v: ProtocolVersion; id: string; token: string; type: T; payload: RequestPayloads[T] }
  : never;

/** The library's error, as plain data. `code` is a ModelshipErrorCode. */
export interface WireError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Page → app, answering one request by its id. */
export type Reply = { v: ProtocolVersion; id: string; ok: true; result: unknown } | { v: ProtocolVersion; id: string; ok: false; error: WireError };

export interface Capabilities {
  webgpu: boolean;
  wasmSimd: boolean;
  threads: boolean;
  sharedArrayBuffer: boolean;
}

export interface HelloData {
  protocol: ProtocolVersion;
  /** modelship's version in the page. */
  version: string;
  /** Random per page load: a new one means the page (or its process) started over. */
  instance: string;
  capabilities: Capabilities;
  /** The page's bridge limits (characters of one bridge string, of a reassembled message). */
  limits: BridgeLimits;
}

export interface BridgeLimits {
  /** Messages longer than this are split into chunks of this many characters. */
  chunkChars: number;
  /** The longest single bridge string accepted; longer ones are refused unread (the sender should have chunked). */
  maxBridgeChars: number;
  /** The longest message (after reassembly) either side accepts. */
  maxMessageChars: number;
}

export interface EventData {
  hello: HelloData;
  /** `call` is the id of the load request that reports it. */
  progress: LoadProgress & { call: string };
  fallback: ModelEvents['fallback'];
  warning: { code: string; message: string; details?: Record<string, unknown> };
  update: ModelEvents['update'];
  rollback: ModelEvents['rollback'];
}

export type EventName = keyof EventData;

/** Page → app, not tied to a request. */
export type PageEvent<E extends EventName = EventName> = E extends EventName ? { v: ProtocolVersion; event: E; data: EventData[E] } : never;

/**
 * One slice of a message longer than `chunkChars`, either way. The receiver joins `data` in `seq`
 * order once all `count` slices of `id` arrived and parses the result as one message.
 * App → page chunks carry the token too, so no slice is buffered for an unauthenticated sender.
 */
export interface Chunk {
  v: ProtocolVersion;
  id: string;
  token?: string;
  chunk: { seq: number; count: number; data: string };
}

export type PageMessage = Reply | PageEvent | Chunk;
