import type { BridgeLimits } from '../protocol.js';

export const PROTOCOL_VERSION = 1 as const;

/**
 * 128 Ki characters per bridge string. Android delivers page → app messages through the React
 * event queue with a cost linear in size (react-native-webview#1120; a 6.5 MB message took 1.8–5.2 s,
 * #1203), ~200,000 characters is the largest reported to pass on Android in older bridges, and app →
 * page strings travel inside an `evaluateJavascript` call (UTF-16: 256 KiB per slice). `npm run bench`
 * measures what chunking costs in the page (see README, "Message sizes").
 */
export const DEFAULT_CHUNK_CHARS = 128 * 1024;

/** 1 Mi characters: Android's WebView.loadUrl refused strings above 2,097,152 characters; nothing this size should arrive unchunked. */
export const DEFAULT_MAX_BRIDGE_CHARS = 1024 * 1024;

/** A reassembled message above this is refused: a batch of 1024 images of 28×28 is ~4.3 M characters. */
export const DEFAULT_MAX_MESSAGE_CHARS = 32 * 1024 * 1024;

/** Chunked messages being reassembled at once, per receiver; beyond it the oldest is dropped. */
export const MAX_OPEN_CHUNKED = 16;

export const DEFAULT_LIMITS: BridgeLimits = {
  chunkChars: DEFAULT_CHUNK_CHARS,
  maxBridgeChars: DEFAULT_MAX_BRIDGE_CHARS,
  maxMessageChars: DEFAULT_MAX_MESSAGE_CHARS,
};
