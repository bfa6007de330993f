import { ModelshipError } from '../errors.js';
import type { Channel } from '../manifest/types.js';

export interface ChannelChoice {
  /** The chosen channel, or undefined when the bucket falls past every channel's share. */
  channel: Channel | undefined;
  /** The channel's version; `defaultVersion` when no channel applies. */
  version: string | undefined;
  /** A manifest URL of the channel's own, when it has one (relative to the main manifest). */
  manifest: string | undefined;
  bucket: number;
  /** One sentence for logs and `model.info()`. */
  reason: string;
}

/**
 * Picks the arm whose cumulative share range holds `bucket`, in the manifest's order: with shares
 * [0.9, 0.1], buckets below 0.9 get the first channel. Deterministic, so one installation's bucket
 * always gives the same arm. Shares that add up to less than 1 leave the rest on `defaultVersion`
 * (usually the manifest's own `version`); shares adding up to more than 1 are scaled down to 1.
 */
export function chooseChannel(channels: readonly Channel[], bucket: number, defaultVersion?: string): ChannelChoice {
  if (!(bucket >= 0 && bucket < 1)) throw new RangeError(`bucket must be in [0, 1), got ${bucket}`);
  for (const [index, channel] of channels.entries()) {
    if (!Number.isFinite(channel.share) || channel.share < 0 || channel.share > 1) {
      throw new ModelshipError('MANIFEST_INVALID', `channels[${index}].share must be in [0, 1], got ${channel.share}`, {
        details: { field: `channels[${index}].share` },
      });
    }
  }
  const total = channels.reduce((sum, channel) => sum + channel.share, 0);
  const scale = total > 1 ? 1 / total : 1;
  let upper = 0;
  for (const channel of channels) {
    const lower = upper;
    upper += channel.share * scale;
    if (bucket < upper) {
      const range = `[${round(lower)}, ${round(upper)})`;
      return {
        channel,
        version: channel.version,
        manifest: channel.manifest,
        bucket,
        reason: `bucket ${round(bucket)} is in channel ${channel.name}'s range ${range}${scale < 1 ? ` (shares scaled from ${round(total)} to 1)` : ''}`,
      };
    }
  }
  const why = channels.length === 0 ? 'the manifest has no channels' : `bucket ${round(bucket)} is past the channels' total share ${round(total)}`;
  return { channel: undefined, version: defaultVersion, manifest: undefined, bucket, reason: `${why}: the default version` };
}

const round = (value: number): number => Math.round(value * 1e4) / 1e4;
