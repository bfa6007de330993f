import type { Model } from 'modelship';

const NAMES: Record<string, string> = {
  inkMass: 'amount of ink',
  meanIntensity: 'stroke darkness',
  bboxAspect: 'shape (width / height)',
  centroidOffset: 'off-centre',
  strokeWidth: 'stroke width',
  predictedClass: 'answers given',
  confidence: 'how sure it is',
};

/** The small "what this device has seen" panel: counts, latency and the drift window, from model.monitoring(). */
export function showMonitoring(model: Model): void {
  const snapshot = model.monitoring();
  const usage = snapshot.versions.find((v) => v.version === model.info().version) ?? snapshot.versions[0];
  const set = (id: string, value: string): void => {
    const element = document.getElementById(id);
    if (element) element.textContent = value;
  };
  if (!usage) return;
  const abstained = Object.values(usage.abstentions).reduce((a, b) => a + b, 0);
  set('mon-predictions', String(usage.predictions));
  set('mon-abstained', `${abstained} (${usage.predictions ? Math.round((100 * abstained) / usage.predictions) : 0}%)`);
  set(
    'mon-latency',
    Number.isFinite(usage.latencyMs.p50) ? `${usage.latencyMs.p50.toFixed(2)} ms typical, ${usage.latencyMs.p95.toFixed(2)} ms slowest 5%` : '–',
  );
  const { drift } = snapshot;
  if (!snapshot.calibrated) {
    set('mon-drift', `off: ${snapshot.reason}`);
    return;
  }
  if (drift.filled < drift.size) {
    set('mon-drift', `collecting: ${drift.filled} of ${drift.size} drawings before it compares them with the training digits`);
    return;
  }
  const worst = Object.entries(drift.figures).sort(
    (a, b) => b[1].jensenShannon / b[1].threshold.jensenShannon - a[1].jensenShannon / a[1].threshold.jensenShannon,
  )[0];
  if (!worst) return;
  const [name, figure] = worst;
  const share = Math.round((100 * figure.jensenShannon) / figure.threshold.jensenShannon);
  set(
    'mon-drift',
    `${figure.drifting ? 'your drawings differ from the training digits' : 'like the training digits'} — largest difference: ${NAMES[name] ?? name} at ${share}% of the alarm level`,
  );
}
