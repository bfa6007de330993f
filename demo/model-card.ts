/** The model card as data: per-class error rates and digits the model gets wrong (models/<name>/). */

interface ClassExpectation {
  label: string;
  testDigits: number;
  falsePositiveRate: number;
  falseNegativeRate: number;
}

interface Expectations {
  version: string;
  variant: string;
  testCount: number;
  classes: ClassExpectation[];
  confusedPairs: { a: string; b: string; total: number }[];
}

interface Misclassified {
  inputUint8: string;
  label: number;
  predicted: number;
  probability: number;
}

const percent = (value: number): string => `${(value * 100).toFixed(2)}%`;

function cell(tag: 'td' | 'th', text: string): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = text;
  return element;
}

/** Fills #expectations and #misclassified; a panel whose file cannot be fetched says so and stays empty. */
export async function showModelCard(modelBase: string, runningVariant: string, runningAccuracy: number): Promise<void> {
  const [expectations, misclassified] = await Promise.all([
    fetchJson<Expectations>(`${modelBase}expectations.json`),
    fetchJson<Misclassified[]>(`${modelBase}misclassified.json`),
  ]);
  const table = document.getElementById('expectations');
  const note = document.getElementById('expectations-note');
  if (table && expectations) {
    table.replaceChildren(
      ...expectations.classes.map((row) => {
        const tr = document.createElement('tr');
        tr.dataset['label'] = row.label;
        tr.append(cell('th', row.label), cell('td', percent(row.falsePositiveRate)), cell('td', percent(row.falseNegativeRate)), cell('td', String(row.testDigits)));
        return tr;
      }),
    );
  }
  if (note) {
    const pairs = expectations?.confusedPairs.slice(0, 3).map((pair) => `${pair.a}↔${pair.b} (${pair.total})`).join(', ');
    // The table is measured on one variant; say which, and how the one running here compares, rather than imply it is this one's.
    const which =
      expectations && expectations.variant !== runningVariant
        ? `Measured on the ${expectations.variant} variant; this device runs ${runningVariant}, right on ${(runningAccuracy * 100).toFixed(1)}% of the same digits.`
        : `Measured on the ${runningVariant} variant that runs here.`;
    note.textContent = expectations
      ? `${which} ${expectations.testCount} held-out MNIST digits; most often confused: ${pairs}. Drawn digits differ from MNIST: expect more mistakes.`
      : 'The model card is not available right now.';
  }
  const grid = document.getElementById('misclassified');
  if (grid && misclassified) grid.replaceChildren(...misclassified.map(digitFigure));
}

/** Highlights the row of the label the model just answered. */
export function markClass(label: string): void {
  for (const row of document.querySelectorAll<HTMLElement>('#expectations tr')) {
    row.classList.toggle('current', row.dataset['label'] === label);
  }
}

function digitFigure(sample: Misclassified): HTMLElement {
  const canvas = document.createElement('canvas');
  canvas.width = 28;
  canvas.height = 28;
  const context = canvas.getContext('2d');
  const pixels = Uint8Array.from(atob(sample.inputUint8), (char) => char.charCodeAt(0));
  if (context && pixels.length === 784) {
    const image = context.createImageData(28, 28);
    // MNIST stores ink as 255 on black; show it as dark ink on paper, like the drawing pad.
    pixels.forEach((ink, index) => image.data.set([255 - ink, 255 - ink, 255 - ink, 255], index * 4));
    context.putImageData(image, 0, 0);
  }
  const figure = document.createElement('figure');
  const caption = document.createElement('figcaption');
  caption.textContent = `${article(sample.label)} ${sample.label}, read as ${sample.predicted} (${Math.round(sample.probability * 100)}%)`;
  figure.append(canvas, caption);
  return figure;
}

async function fetchJson<T>(url: string): Promise<T | undefined> {
  try {
    const response = await fetch(url);
    return response.ok ? ((await response.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

/** "an 8", "a 7": the article as the digit's name is spoken. */
export function article(digit: number | string): string {
  return String(digit) === '8' ? 'an' : 'a';
}
