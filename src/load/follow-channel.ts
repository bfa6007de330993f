import { ModelshipError } from '../errors.js';
import { confinedUrl } from '../manifest/confine.js';
import { fetchManifest } from '../manifest/fetch-manifest.js';
import { assignBucket } from '../rollout/bucket.js';
import { chooseChannel, type ChannelChoice } from '../rollout/choose.js';
import { exclusive } from './exclusive.js';
import type { ResolveContext, ResolvedManifest } from './resolved-manifest.js';

/** The rollout channel this installation's bucket falls in, and that channel's manifest when it has its own. */
export async function followChannel(resolved: ResolvedManifest, context: ResolveContext, signal?: AbortSignal): Promise<ResolvedManifest> {
  const channels = resolved.manifest.channels ?? [];
  if (channels.length === 0) return resolved;
  let choice: ChannelChoice;
  if (context.channel !== undefined) {
    const forced = channels.find((channel) => channel.name === context.channel);
    if (!forced) {
      throw new ModelshipError('INPUT_INVALID', `options.channel "${context.channel}" is not among the manifest's channels`, {
        details: { field: 'options.channel' },
      });
    }
    choice = { channel: forced, version: forced.version, manifest: forced.manifest, bucket: NaN, reason: `channel ${forced.name} requested` };
  } else {
    const store = context.bucketStore;
    const draw = (): Promise<number> => (store ? assignBucket(store, resolved.manifest.name) : Promise.resolve(Math.random()));
    // Two tabs drawing at once would each store their own bucket, and one would switch arms on its next visit.
    const bucket = context.sharedStore ? await exclusive(`modelship:rollout-bucket:${resolved.manifest.name}`, draw, { signal }) : await draw();
    choice = chooseChannel(channels, bucket, resolved.manifest.version);
  }
  if (choice.version === undefined || choice.version === resolved.manifest.version) return { ...resolved, channel: choice };
  if (!choice.manifest) {
    context.warn(
      'CHANNEL_WITHOUT_MANIFEST',
      `Channel ${choice.channel?.name} names version ${choice.version} but no manifest; staying on ${resolved.manifest.version}`,
    );
    return { ...resolved, channel: choice };
  }
  const url = confinedUrl(choice.manifest, resolved.filesUrl, `channels[${channels.indexOf(choice.channel!)}].manifest`, context.fetchOptions.allowedOrigins);
  const arm = await fetchManifest(url, { ...context.fetchOptions, signal });
  if (arm.manifest.version !== choice.version || arm.manifest.name !== resolved.manifest.name) {
    throw new ModelshipError(
      'MANIFEST_INVALID',
      `Channel ${choice.channel?.name} points at ${arm.manifest.name}@${arm.manifest.version}, expected ${resolved.manifest.name}@${choice.version}`,
      {
        details: { field: 'channels', url },
      },
    );
  }
  return { ...resolved, manifest: arm.manifest, filesUrl: url, etag: arm.etag, channel: choice };
}
