/** A drawing pad for mouse, touch and pen through Pointer Events: black ink on white. */
export interface Pad {
  clear(): void;
  isEmpty(): boolean;
}

export function createPad(canvas: HTMLCanvasElement, onStroke: () => void): Pad {
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('The drawing pad needs a 2D canvas');
  let drawing = false;
  let empty = true;
  let last: { x: number; y: number } | undefined;

  const clear = (): void => {
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    empty = true;
  };
  const point = (event: PointerEvent): { x: number; y: number } => {
    const box = canvas.getBoundingClientRect();
    return { x: ((event.clientX - box.left) * canvas.width) / box.width, y: ((event.clientY - box.top) * canvas.height) / box.height };
  };
  const lineTo = (next: { x: number; y: number }, pressure: number): void => {
    context.strokeStyle = '#000';
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.lineWidth = 18 * (pressure > 0 && pressure !== 0.5 ? 0.6 + pressure * 0.8 : 1);
    context.beginPath();
    context.moveTo(last?.x ?? next.x, last?.y ?? next.y);
    context.lineTo(next.x, next.y);
    context.stroke();
    last = next;
    empty = false;
  };

  canvas.addEventListener('pointerdown', (event) => {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    last = undefined;
    lineTo(point(event), event.pressure);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (drawing) lineTo(point(event), event.pressure);
  });
  const end = (): void => {
    if (!drawing) return;
    drawing = false;
    last = undefined;
    onStroke();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  clear();
  return { clear, isEmpty: () => empty };
}
