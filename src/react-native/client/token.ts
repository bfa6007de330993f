/**
 * A per-session token for the page's check. crypto.getRandomValues where the runtime has it
 * (browsers, Node, React Native with react-native-get-random-values); Hermes alone lacks it, and
 * Math.random is then the fallback: the token keeps other scripts and frames in the WebView from
 * driving the model, it does not protect a secret.
 */
export function createSessionToken(): string {
  const bytes = new Uint8Array(16);
  const crypto = (globalThis as { crypto?: { getRandomValues?: (array: Uint8Array) => Uint8Array } }).crypto;
  if (crypto?.getRandomValues) crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The script react-native-webview runs before the page's own: it hands the page the token. */
export function tokenScript(token: string): string {
  return `window.__MODELSHIP_RN_TOKEN__ = ${JSON.stringify(token)}; true;`;
}
