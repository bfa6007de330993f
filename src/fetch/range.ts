/** Where a download stands, as far as asking for the rest is concerned. */
export interface Resume {
  loaded: number;
  /** Strong ETag of the response the loaded bytes came from, if it sent one. */
  etag: string | undefined;
}

/**
 * `Range: bytes=N-` with `If-Range: <ETag>` asks for the rest only if the file is still the one
 * the first bytes came from; otherwise the server sends the whole new file with a 200. A weak
 * ETag cannot be used in If-Range (RFC 9110 §13.1.5), so without a strong one we ask for it all.
 */
export function resumeHeaders(resume: Resume): Record<string, string> {
  if (resume.loaded === 0 || !resume.etag) return {};
  return { range: `bytes=${resume.loaded}-`, 'if-range': resume.etag };
}

export function strongEtag(response: Response): string | undefined {
  const etag = response.headers.get('etag')?.trim();
  return etag && !etag.startsWith('W/') && etag.startsWith('"') ? etag : undefined;
}

/**
 * The offset the body starts at: 0 for a full response, the range start for a 206, or
 * `mismatch` when the 206 says the whole file has another size than the manifest declares.
 */
export function startOf(response: Response, expectedBytes: number): number | 'mismatch' {
  if (response.status !== 206) return 0;
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range')?.trim() ?? '');
  if (!match) return -1;
  if (match[3] !== '*' && Number(match[3]) !== expectedBytes) return 'mismatch';
  return Number(match[1]);
}
