"""Builds the non-digit picture sets the model is trained to refuse and the abstain thresholds are calibrated and tested on.

Pictures are drawn the way an app hands them to modelship: 112x112 greyscale, dark ink on white
paper, pen widths of a finger or a mouse. The library's own preprocessing (src/preprocess) turns
them into model inputs (preprocess_nondigits.ts, calibrate.ts), exactly as in the browser.

Kinds: letters and symbols rendered in installed TrueType fonts, random scribbles, a few random
strokes, dots, straight lines, geometric shapes, noise and blank pages. Three splits that share no
font family and no random seed:
  train        DejaVu Sans family (10 faces) and 24 faces of Open Sans, Roboto, Noto Sans/Serif and TeX Gyre,
               seed 11; a third of the glyphs (UNSEEN) is left out entirely; 3 renderings per glyph with random
               stroke thickening and tilt, plus training-only glyphs (EXTRA: Greek, Cyrillic, math, arrows,
               pictographs), and 2.5x as many scribbles, strokes, lines and shapes as before the extra faces, so
               they keep their share of each batch. Outlier exposure in train.py.
  calibration  DejaVu Serif family (6 faces), seed 1: temperature and thresholds (calibrate.ts).
  test         Liberation family (6 faces), seed 2: the reported numbers only.

Glyphs that are digits in another form are left out, because a model that calls them digits is
right: O o D Q (0), I l i j | (1), Z z (2), S s (5), G b (6), B (8), g q (9). Lines within 35 degrees
of vertical are left out for the same reason (a "1").

Output (git-ignored): .data/nondigits.u8 uint8 [N,112,112] (0 ink .. 255 paper), .data/nondigits.json
and .data/printed-digits.{u8,json}: digits 0-9 drawn the same way in the test fonts, the control
calibrate.ts reports.
"""
import json
import math
import os
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SIZE = 112
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '.data')
FONT_DIR = '/usr/share/fonts/truetype'
# Three splits with disjoint font families and seeds: the model is trained on `train` (outlier exposure,
# train.py), thresholds and temperature are picked on `calibration`, numbers are reported on `test`.
# Debian packages: fonts-dejavu-core + fonts-dejavu-extra (DejaVu), fonts-liberation (Liberation); for the extra
# training faces below fonts-open-sans, fonts-roboto-unhinted, fonts-noto-core, fonts-texgyre.
FONTS = {
    'train': ['dejavu/DejaVuSans.ttf', 'dejavu/DejaVuSans-Bold.ttf', 'dejavu/DejaVuSans-Oblique.ttf', 'dejavu/DejaVuSans-BoldOblique.ttf',
              'dejavu/DejaVuSans-ExtraLight.ttf', 'dejavu/DejaVuSansCondensed.ttf', 'dejavu/DejaVuSansCondensed-Bold.ttf',
              'dejavu/DejaVuSansMono.ttf', 'dejavu/DejaVuSansMono-Bold.ttf', 'dejavu/DejaVuSansMono-Oblique.ttf'],
    'calibration': ['dejavu/DejaVuSerif.ttf', 'dejavu/DejaVuSerif-Bold.ttf', 'dejavu/DejaVuSerif-Italic.ttf',
                    'dejavu/DejaVuSerif-BoldItalic.ttf', 'dejavu/DejaVuSerifCondensed.ttf', 'dejavu/DejaVuSerifCondensed-Italic.ttf'],
    'test': ['liberation/LiberationSans-Regular.ttf', 'liberation/LiberationSerif-Bold.ttf', 'liberation/LiberationMono-Italic.ttf',
             'liberation/LiberationSans-Italic.ttf', 'liberation/LiberationSansNarrow-Regular.ttf', 'liberation/LiberationMono-Bold.ttf'],
}
# More training faces from other families (Debian: fonts-open-sans, fonts-roboto-unhinted, fonts-noto-core,
# fonts-texgyre): outlier exposure generalises to fonts it never saw only when it meets many. None is a clone of a
# calibration or test family: TeX Gyre Heros, Termes and Cursor (Helvetica, Times, Courier, like Liberation's Arial,
# Times New Roman and Courier New metrics) and Croscore (Liberation's own ancestors) are left out.
TEX_GYRE = '/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyre'
FONTS['train'] += [
    'open-sans/OpenSans-Regular.ttf', 'open-sans/OpenSans-Bold.ttf', 'open-sans/OpenSans-Italic.ttf', 'open-sans/OpenSans-Light.ttf',
    'open-sans/OpenSans-CondBold.ttf', 'roboto/unhinted/RobotoTTF/Roboto-Regular.ttf', 'roboto/unhinted/RobotoTTF/Roboto-Bold.ttf',
    'roboto/unhinted/RobotoTTF/Roboto-Italic.ttf', 'roboto/unhinted/RobotoTTF/Roboto-Thin.ttf', 'roboto/unhinted/RobotoTTF/Roboto-Black.ttf',
    'noto/NotoSans-Regular.ttf', 'noto/NotoSans-BoldItalic.ttf', 'noto/NotoSerif-Regular.ttf', 'noto/NotoSerif-Bold.ttf', 'noto/NotoSerif-Italic.ttf',
] + [f'{TEX_GYRE}{face}.otf' for face in ('adventor-regular', 'adventor-bold', 'bonum-regular', 'bonum-italic', 'pagella-regular', 'pagella-bolditalic',
                                        'schola-regular', 'schola-bold', 'chorus-mediumitalic')]
SEEDS = {'train': 11, 'calibration': 1, 'test': 2}
HOMOGLYPHS = set('OoDQIlij|ZzSsGbBgq')
LETTERS = [c for c in 'ABCEFHJKLMNPRTUVWXYacdefhkmnprtuvwxy' if c not in HOMOGLYPHS]
SYMBOLS = list('+-=?!@#$%&*/\\()[]{}<>~^;:"\',.') + ['×', '÷', '€', '£', '§', '¶', '©', '®', '±', 'µ', 'Ω', 'π', 'Σ', 'Δ', '→', '♥', '★', '✓']


def page():
    img = Image.new('L', (SIZE, SIZE), 255)
    return img, ImageDraw.Draw(img)


def glyph(ch, font_path, rng, vary=False):
    """One glyph, centred with a random size and offset; `vary` (training split only) also thickens the
    strokes and tilts the picture, so the model meets more than one rendering of each training glyph."""
    img, draw = page()
    font = ImageFont.truetype(os.path.join(FONT_DIR, font_path), rng.randint(56, 90))
    stroke = rng.choice([0, 0, 1, 2, 3]) if vary else 0
    box = draw.textbbox((0, 0), ch, font=font, stroke_width=stroke)
    if box[2] - box[0] <= 0 or box[3] - box[1] <= 0:
        return None
    x = (SIZE - (box[2] - box[0])) / 2 - box[0] + rng.uniform(-8, 8)
    y = (SIZE - (box[3] - box[1])) / 2 - box[1] + rng.uniform(-8, 8)
    draw.text((x, y), ch, font=font, fill=0, stroke_width=stroke, stroke_fill=0)
    if vary:
        img = img.rotate(rng.uniform(-20, 20), resample=Image.BILINEAR, fillcolor=255)
    return img


def pen(rng):
    return rng.randint(4, 14)


def polyline(draw, points, width):
    draw.line(points, fill=0, width=width, joint='curve')
    r = width / 2
    for x, y in (points[0], points[-1]):
        draw.ellipse((x - r, y - r, x + r, y + r), fill=0)


def scribble(rng):
    img, draw = page()
    x, y = rng.uniform(20, 92), rng.uniform(20, 92)
    heading, points = rng.uniform(0, 2 * math.pi), []
    for _ in range(rng.randint(25, 70)):
        heading += rng.uniform(-1.3, 1.3)
        x = min(104, max(8, x + 6 * math.cos(heading)))
        y = min(104, max(8, y + 6 * math.sin(heading)))
        points.append((x, y))
    polyline(draw, points, pen(rng))
    return img


def strokes(rng):
    img, draw = page()
    for _ in range(rng.randint(2, 4)):
        a = (rng.uniform(10, 102), rng.uniform(10, 102))
        b = (rng.uniform(10, 102), rng.uniform(10, 102))
        mid = ((a[0] + b[0]) / 2 + rng.uniform(-25, 25), (a[1] + b[1]) / 2 + rng.uniform(-25, 25))
        points = [(((1 - t) ** 2) * a[0] + 2 * (1 - t) * t * mid[0] + t * t * b[0], ((1 - t) ** 2) * a[1] + 2 * (1 - t) * t * mid[1] + t * t * b[1]) for t in np.linspace(0, 1, 12)]
        polyline(draw, points, pen(rng))
    return img


def dots(rng):
    img, draw = page()
    for _ in range(rng.choice([1, 1, 2, 3, 5])):
        r, x, y = rng.uniform(2, 9), rng.uniform(15, 97), rng.uniform(15, 97)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=0)
    return img


def line(rng):
    img, draw = page()
    angle = math.radians(rng.choice([1, -1]) * rng.uniform(35, 90) + 90)  # 35..90 degrees away from vertical
    length, cx, cy = rng.uniform(30, 95), rng.uniform(40, 72), rng.uniform(40, 72)
    dx, dy = math.cos(angle) * length / 2, math.sin(angle) * length / 2
    polyline(draw, [(cx - dx, cy - dy), (cx + dx, cy + dy)], pen(rng))
    return img


def shape(rng):
    img, draw = page()
    kind, w = rng.choice(['rect', 'triangle', 'cross', 'star', 'filled']), pen(rng)
    x0, y0, x1, y1 = rng.uniform(10, 40), rng.uniform(10, 40), rng.uniform(72, 102), rng.uniform(72, 102)
    if kind == 'rect':
        draw.rectangle((x0, y0, x1, y1), outline=0, width=w)
    elif kind == 'filled':
        draw.rectangle((x0, y0, x1, y1), fill=0)
    elif kind == 'triangle':
        polyline(draw, [((x0 + x1) / 2, y0), (x1, y1), (x0, y1), ((x0 + x1) / 2, y0)], w)
    elif kind == 'cross':
        polyline(draw, [(x0, y0), (x1, y1)], w)
        polyline(draw, [(x1, y0), (x0, y1)], w)
    else:
        cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2
        pts = [(cx + r * (1 if k % 2 == 0 else 0.45) * math.cos(math.pi / 2 + k * math.pi / 5), cy - r * (1 if k % 2 == 0 else 0.45) * math.sin(math.pi / 2 + k * math.pi / 5)) for k in range(11)]
        polyline(draw, pts, w)
    return img, kind


def noise(rng, np_rng):
    kind = rng.choice(['uniform', 'salt-pepper', 'blobs'])
    if kind == 'uniform':
        arr = np_rng.integers(0, 256, (SIZE, SIZE))
    elif kind == 'salt-pepper':
        arr = np.where(np_rng.random((SIZE, SIZE)) < rng.uniform(0.03, 0.3), 0, 255)
    else:
        arr = np.full((SIZE, SIZE), 255.0)
        yy, xx = np.mgrid[0:SIZE, 0:SIZE]
        for _ in range(rng.randint(3, 12)):
            cx, cy, s = np_rng.uniform(0, SIZE), np_rng.uniform(0, SIZE), np_rng.uniform(3, 15)
            arr -= 255 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * s * s))
        arr = np.clip(arr, 0, 255)
    return Image.fromarray(arr.astype(np.uint8), 'L'), kind


def blank(rng):
    return Image.new('L', (SIZE, SIZE), rng.choice([255, 255, 240, 200, 128]))


GLYPHS = LETTERS + SYMBOLS
# Training-only glyphs: Greek, Cyrillic, math, arrows and pictographs that are never in the calibration or
# test splits (whose glyphs are GLYPHS), so the model meets many more shapes that are no digit. Digit look-alikes
# are left out as above (Greek Ο ο Ι ι Ζ ζ Β β θ ϑ σ ς δ, Cyrillic О о З з Б б Ч ч Ѕ ѕ І і Ј ј Ь ь Ъ ъ, ○ ◯ ∂).
EXTRA = [c for c in (
    'ΓΛΞΠΦΨαγεηκλνξρτυφχψω'
    'ЖИЙЛПФЦШЩЫЭЮЯгдждийклпфцшщыэюя'
    '∀∃∅∇∈∋∏∑√∝∞∠∧∨∩∪∫≈≠≡≤≥⊂⊃⊕⊗⊥'
    '←↑↓↔↕⇐⇒⇔↺↻'
    '■□▲△▼▽◆◇●◊▪▫'
    '☺☻♠♣♦♪♫☀☁☂☎✂✈✉✎✔✕✗✘✚✦✧❤⌘⌂‰‡†•¤¢¥'
) if c not in GLYPHS]
# A third of the glyphs never appear in the training split, so the test split shows how the model does on
# shapes outlier exposure did not teach it (reported separately as seen / unseen glyphs).
UNSEEN = set(GLYPHS[2::3])
# Pictures per kind: the calibration and test splits are the same size; training has more (and several
# renderings per glyph) because the model learns from it.
COUNTS = {
    'train': dict(copies=3, scribble=3000, strokes=2400, dots=480, line=720, shape=480, noise=360, blank=120),
    'calibration': dict(copies=1, scribble=150, strokes=150, dots=60, line=60, shape=60, noise=45, blank=15),
}
COUNTS['test'] = COUNTS['calibration']


def check_fonts():
    missing = [path for split in FONTS.values() for path in split if not os.path.exists(os.path.join(FONT_DIR, path))]
    if missing:
        raise SystemExit('nondigits.py: missing font files (install fonts-dejavu-core fonts-dejavu-extra fonts-liberation '
                         f'fonts-open-sans fonts-roboto-unhinted fonts-noto-core fonts-texgyre): {", ".join(missing)}')


def build(split):
    rng, np_rng = random.Random(SEEDS[split]), np.random.default_rng(SEEDS[split])
    n, items = COUNTS[split], []
    for font in FONTS[split]:
        for ch in GLYPHS:
            if split == 'train' and ch in UNSEEN:
                continue
            for _ in range(n['copies']):
                img = glyph(ch, font, rng, vary=split == 'train')
                if img is not None:
                    items.append((img, 'letter' if ch in LETTERS else 'symbol', f'{ch} {os.path.basename(font)}', ch not in UNSEEN))
        if split == 'train':
            missing = np.asarray(glyph('\ue000', font, random.Random(0)))  # the font's box for a glyph it lacks
            for ch in EXTRA:
                if np.array_equal(np.asarray(glyph(ch, font, random.Random(0))), missing):
                    continue  # not in this face
                for _ in range(n['copies']):
                    img = glyph(ch, font, rng, vary=True)
                    if img is not None:
                        items.append((img, 'extra-glyph', f'{ch} {os.path.basename(font)}', None))
    for kind, draw in (('scribble', scribble), ('strokes', strokes), ('dots', dots), ('line', line)):
        for _ in range(n[kind]):
            items.append((draw(rng), kind, '', None))
    for _ in range(n['shape']):
        img, kind = shape(rng)
        items.append((img, 'shape', kind, None))
    for _ in range(n['noise']):
        img, kind = noise(rng, np_rng)
        items.append((img, 'noise', kind, None))
    for _ in range(n['blank']):
        items.append((blank(rng), 'blank', '', None))
    return [(img, kind, detail, split, seen) for img, kind, detail, seen in items]


def printed_digits(split):
    """Digits 0-9 drawn exactly like the glyphs (same renderer, the split's fonts, a seed of their own): a
    control for the non-digits. Abstaining on them is abstaining on how a picture was rendered, not on what
    it shows; calibrate.ts reports the rate (a canvas pen's solid strokes look like this, not like MNIST)."""
    rng = random.Random(SEEDS[split] + 100)
    return [(glyph(str(d), font, rng), d) for font in FONTS[split] for d in range(10) for _ in range(3)]


def write_printed_digits():
    items = [(img, d, 'test') for img, d in printed_digits('test') if img is not None]
    np.stack([np.asarray(img, dtype=np.uint8) for img, *_ in items]).tofile(os.path.join(OUT, 'printed-digits.u8'))
    with open(os.path.join(OUT, 'printed-digits.json'), 'w') as f:
        json.dump({'size': SIZE, 'items': [{'label': d, 'split': s} for _, d, s in items]}, f)
    print(f'{len(items)} printed digits (controls)')


def main():
    check_fonts()
    os.makedirs(OUT, exist_ok=True)
    items = build('train') + build('calibration') + build('test')
    pixels = np.stack([np.asarray(img, dtype=np.uint8) for img, *_ in items])
    pixels.tofile(os.path.join(OUT, 'nondigits.u8'))
    meta = {'size': SIZE, 'unseenGlyphs': ''.join(sorted(UNSEEN)),
            'items': [{'kind': k, 'detail': d, 'split': s, **({} if seen is None else {'seenGlyph': seen})} for _, k, d, s, seen in items]}
    with open(os.path.join(OUT, 'nondigits.json'), 'w') as f:
        json.dump(meta, f)
    counts = {}
    for _, k, _, s, _ in items:
        counts[f'{s}/{k}'] = counts.get(f'{s}/{k}', 0) + 1
    print(f'{len(items)} non-digit pictures', json.dumps(counts))
    write_printed_digits()


if __name__ == '__main__':
    main()
