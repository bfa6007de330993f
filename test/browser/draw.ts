import type { Page } from '@playwright/test';

type Stroke = [number, number][];

/** Strokes in the pad's 0..1 coordinates, the way a person draws these digits. */
export const DIGIT_STROKES: Record<string, Stroke[]> = {
  '0': [Array.from({ length: 25 }, (_, i) => [0.5 + 0.22 * Math.sin((i / 24) * 2 * Math.PI), 0.5 - 0.32 * Math.cos((i / 24) * 2 * Math.PI)])],
  '1': [[[0.42, 0.28], [0.52, 0.18], [0.52, 0.82]]],
  '4': [[[0.58, 0.18], [0.3, 0.6], [0.72, 0.6]], [[0.6, 0.35], [0.6, 0.84]]],
  '7': [[[0.28, 0.2], [0.72, 0.2], [0.45, 0.82]]],
  '3': [[[0.3, 0.22], [0.52, 0.16], [0.68, 0.26], [0.62, 0.42], [0.46, 0.5], [0.64, 0.56], [0.7, 0.72], [0.52, 0.84], [0.3, 0.78]]],
};

/** Draws with the real mouse on the demo's pad, interpolating each segment as a hand would. */
export async function drawDigit(page: Page, digit: string): Promise<void> {
  const box = await page.locator('#pad').boundingBox();
  if (!box) throw new Error('The drawing pad is not visible');
  const at = ([x, y]: [number, number]): [number, number] => [box.x + x * box.width, box.y + y * box.height];
  for (const stroke of DIGIT_STROKES[digit] ?? []) {
    const [first, ...rest] = stroke.map(at);
    await page.mouse.move(...first!);
    await page.mouse.down();
    for (const point of rest) await page.mouse.move(...point, { steps: 6 });
    await page.mouse.up();
  }
}
