// "Wrong? Tap the right digit" with a consent switch, and "what it looked at": the explain() map
// over the model's own 28×28 view of the drawing. Builds its own DOM under the answer.
import type { Explanation, FeedbackOptions, Model, Prediction } from 'modelship';

const CONSENT_KEY = 'modelship-demo-feedback-consent';

/** The feedback option for loadModel: consent is asked each time, so the switch works after loading. */
export function demoFeedbackOptions(): FeedbackOptions {
  return { endpoint: '/feedback', consent: () => localStorage.getItem(CONSENT_KEY) === 'yes' };
}

export interface LoopPanel {
  show(model: Model, prediction: Prediction, input: HTMLCanvasElement): void;
  clear(): void;
}

export function createLoopPanel(after: Element): LoopPanel {
  const panel = document.createElement('section');
  panel.className = 'loop card';
  panel.innerHTML = `
    <h2 style="font-size:1rem;margin:0 0 .4rem">Wrong? Tap the right digit</h2>
    <div id="correct" role="group" aria-label="The right digit" style="display:flex;flex-wrap:wrap;gap:.3rem"></div>
    <label style="display:block;margin:.5rem 0"><input type="checkbox" id="consent"> Send my drawing (as the 28×28 picture the model saw) with my correction, to help train the next version</label>
    <p id="feedback-status" class="note" aria-live="polite"></p>
    <figure style="margin:0"><canvas id="saliency" width="28" height="28" style="width:140px;height:140px;image-rendering:pixelated;border:1px solid #d8dee5;border-radius:4px"></canvas>
    <figcaption class="note">What it looked at: red where hiding the stroke lowers the answer's confidence.</figcaption></figure>`;
  after.after(panel);
  const status = panel.querySelector<HTMLElement>('#feedback-status')!;
  const consent = panel.querySelector<HTMLInputElement>('#consent')!;
  const buttons = panel.querySelector<HTMLElement>('#correct')!;
  const canvas = panel.querySelector<HTMLCanvasElement>('#saliency')!;
  consent.checked = localStorage.getItem(CONSENT_KEY) === 'yes';
  consent.addEventListener('change', () => localStorage.setItem(CONSENT_KEY, consent.checked ? 'yes' : 'no'));
  let current: { model: Model; prediction: Prediction } | undefined;
  let explaining = 0;

  for (let digit = 0; digit <= 9; digit++) {
    const button = document.createElement('button');
    button.textContent = String(digit);
    button.dataset['digit'] = String(digit);
    button.addEventListener('click', () => {
      if (!current) return;
      const { model, prediction } = current;
      model.feedback(prediction, String(digit)).then(
        (result) => {
          status.textContent =
            result.status === 'sent' ? `Thanks: sent as a ${digit}.` : `Saved as a ${digit}; it will be sent when the server can be reached.`;
          document.body.dataset['feedback'] = result.status;
        },
        (error: { code?: string; message: string }) => {
          status.textContent =
            error.code === 'CONSENT_REQUIRED' ? 'Tick the box above to send corrections; nothing was sent.' : `Could not record it: ${error.message}`;
          document.body.dataset['feedback'] = error.code ?? 'error';
        },
      );
    });
    buttons.append(button);
  }

  return {
    show(model, prediction, input) {
      current = { model, prediction };
      status.textContent = '';
      const ticket = ++explaining;
      model.explain(input).then(
        (explanation) => {
          if (ticket !== explaining) return; // a newer drawing is being explained
          paint(canvas, explanation);
          document.body.dataset['explained'] = String(explanation.occlusions);
        },
        () => undefined, // the answer stands without its map
      );
    },
    clear() {
      current = undefined;
      explaining++;
      status.textContent = '';
      canvas.getContext('2d')!.clearRect(0, 0, 28, 28);
    },
  };
}

/** The model's input in grey, with positive saliency in red on top (scaled to the map's maximum). */
function paint(canvas: HTMLCanvasElement, explanation: Explanation): void {
  const { width, height, saliency, input } = explanation;
  const image = new ImageData(width, height);
  const max = Math.max(1e-9, ...saliency);
  for (let i = 0; i < width * height; i++) {
    const ink = Math.min(1, Math.max(0, input[i]!));
    const heat = Math.max(0, saliency[i]!) / max;
    const grey = 255 - ink * 160;
    image.data[i * 4] = Math.round(grey + (255 - grey) * heat);
    image.data[i * 4 + 1] = Math.round(grey * (1 - heat));
    image.data[i * 4 + 2] = Math.round(grey * (1 - heat));
    image.data[i * 4 + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}
