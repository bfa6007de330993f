import { expect, test } from '@playwright/test';
import { DIGIT_STROKES, drawDigit } from './draw.js';

test.describe('demo: draw a digit', () => {
  for (const digit of Object.keys(DIGIT_STROKES)) {
    test(`a drawn ${digit} is classified as ${digit} in the worker`, async ({ page }) => {
      await page.goto('/');
      await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
      await drawDigit(page, digit);
      await expect(page.locator('body')).toHaveAttribute('data-predictions', /\d+/);
      await expect(page.locator('#label')).toHaveText(digit);
      await expect(page.locator('#runtime')).toHaveText('onnx-wasm');
      await expect(page.locator('#runtime-version')).toHaveText(/^onnxruntime-web \d+\.\d+/);
      // The test server sends no COOP/COEP headers: the demo says its calls are messages, and why.
      await expect(page.locator('#transport')).toHaveText(/^as messages to the worker \(this page is not cross-origin isolated/);
      await expect(page.locator('#route')).toHaveText(/^local/);
      await expect(page.locator('#verdict')).toBeHidden();
      await expect(page.locator('#progress')).toBeHidden();
      await expect(page.locator('#mon-predictions')).not.toHaveText('0');
    });
  }

  test('a digit drawn while the model loads is read once it is ready', async ({ page }) => {
    // Hold the model file back until the digit is drawn.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/*.onnx', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto('/');
    await drawDigit(page, '7');
    await expect(page.locator('body')).not.toHaveAttribute('data-ready', 'true');
    release();
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    await expect(page.locator('#label')).toHaveText('7');
  });

  test('a scribble gets "not sure this is a digit"; the status speaks plainly', async ({ page }) => {
    await page.goto('/');
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    await expect(page.locator('#status')).toHaveText(/^Ready: the \w+ model runs on onnx-wasm/);
    await expect(page.locator('#status')).not.toHaveText(/ pp|KB to download/);
    const box = (await page.locator('#pad').boundingBox())!;
    // A blot: a short press with a small wobble, as a stray tap leaves it.
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.52, box.y + box.height * 0.51, { steps: 3 });
    await page.mouse.up();
    await expect(page.locator('#verdict')).toBeVisible();
    await expect(page.locator('#verdict')).toHaveText(/^Not sure this is a digit/);
    await expect(page.locator('body')).toHaveAttribute('data-abstain', /out-of-distribution|low-confidence/);
  });

  test('the clear button empties the pad and the answer', async ({ page }) => {
    await page.goto('/');
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    await drawDigit(page, '7');
    await expect(page.locator('#label')).toHaveText('7');
    await page.click('#clear');
    await expect(page.locator('#label')).toHaveText('–');
    const inked = await page.evaluate(() => {
      const canvas = document.getElementById('pad') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      return data.some((value, index) => index % 4 !== 3 && value < 250);
    });
    expect(inked).toBe(false);
  });
});
