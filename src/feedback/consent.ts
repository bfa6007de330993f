import { ModelshipError } from '../errors.js';

/** Apart from the client so the Model can refuse feedback without loading the client's chunk. */
export function consentRequired(): ModelshipError {
  return new ModelshipError('CONSENT_REQUIRED', 'Feedback needs loadModel(url, { feedback: { endpoint, consent: true } }); nothing was sent', {
    details: { field: 'feedback.consent' },
  });
}
