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
      await expect(page.locator('#route')).toHaveText('local');
    });
  }

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
