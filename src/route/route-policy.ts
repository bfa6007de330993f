import { ModelshipError } from '../errors.js';

export type RoutePreference = 'auto' | 'local' | 'remote' | 'prefer-local' | 'prefer-remote';
export type Route = 'local' | 'remote';

export interface RouteFacts {
  hasRemote: boolean;
  hasLocal: boolean;
  /** Why this device is too weak for local inference, when it is. */
  weakReason?: string;
}

export interface RouteDecision {
  first: Route;
  /** The route to try when the first fails, if any. */
  fallback?: Route;
  reason: string;
}

const ROUTES: RoutePreference[] = ['auto', 'local', 'remote', 'prefer-local', 'prefer-remote'];

/** Which route answers first. The remote is used only when the app configured an endpoint. */
export function decideRoute(preference: RoutePreference, facts: RouteFacts): RouteDecision {
  if (!ROUTES.includes(preference)) {
    throw new ModelshipError('INPUT_INVALID', `options.route must be one of ${ROUTES.join(', ')}; got ${String(preference)}`, {
      details: { field: 'options.route' },
    });
  }
  const { hasRemote, hasLocal, weakReason } = facts;
  const needRemote = (): void => {
    if (!hasRemote) {
      throw new ModelshipError('INPUT_INVALID', `options.route "${preference}" needs options.remote (an endpoint the app configured)`, {
        details: { field: 'options.remote' },
      });
    }
  };
  switch (preference) {
    case 'local':
      return { first: 'local', reason: 'route local requested' };
    case 'remote':
      needRemote();
      return { first: 'remote', reason: 'route remote requested' };
    case 'prefer-remote':
      needRemote();
      return { first: 'remote', fallback: hasLocal ? 'local' : undefined, reason: 'route prefer-remote requested' };
    case 'prefer-local':
      return { first: 'local', fallback: hasRemote ? 'remote' : undefined, reason: 'route prefer-local requested' };
    case 'auto':
      if (hasRemote && (weakReason || !hasLocal)) {
        return { first: 'remote', fallback: hasLocal ? 'local' : undefined, reason: `auto: ${weakReason ?? 'no local runtime'}` };
      }
      return { first: 'local', fallback: hasRemote ? 'remote' : undefined, reason: 'auto: this device can run the model' };
  }
}
