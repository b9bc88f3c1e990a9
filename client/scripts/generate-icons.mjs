// Writes the PWA icons (PNG) into client/public/icons/ with nothing but node:zlib.
// The artwork — a white speech bubble holding a pigeon — is described as a few
// geometric shapes and rasterised with 4×4 supersampling for smooth edges.
// Run: node client/scripts/generate-icons.mjs   (the PNGs are committed)
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');

const BRAND = [15, 118, 110]; // #0f766e, also the manifest theme colour
const BRAND_DARK = [10, 82, 76];
const WHITE = [255, 255, 255];
const SAMPLES = 4;

const inCircle = (x, y, cx, cy, r) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

function inEllipse(x, y, cx, cy, rx, ry, angle) {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const dx = x - cx;
  const dy = y - cy;
  const u = dx * c + dy * s;
  const v = -dx * s + dy * c;
  return (u / rx) ** 2 + (v / ry) ** 2 <= 1;
}

function inTriangle(x, y, [ax, ay], [bx, by], [cx, cy]) {
  const d1 = (x - bx) * (ay - by) - (ax - bx) * (y - by);
  const d2 = (x - cx) * (by - cy) - (bx - cx) * (y - cy);
  const d3 = (x - ax) * (cy - ay) - (cx - ax) * (y - ay);
  const neg = d1 < 0 || d2 < 0 || d3 < 0;
  const pos = d1 > 0 || d2 > 0 || d3 > 0;
  return !(neg && pos);
}

function inRoundedSquare(x, y, radius) {
  const cx = Math.min(Math.max(x, radius), 1 - radius);
  const cy = Math.min(Math.max(y, radius), 1 - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius * radius;
}

/** Colour of the artwork at (x, y) in a 0..1 square, or null where it is transparent. */
function artwork(x, y) {
  if (inCircle(x, y, 0.635, 0.365, 0.013)) return WHITE; // eye
  if (inTriangle(x, y, [0.675, 0.352], [0.675, 0.392], [0.735, 0.378])) return [245, 158, 11]; // beak
  if (inEllipse(x, y, 0.47, 0.505, 0.085, 0.045, -0.35)) return BRAND_DARK; // wing
  if (inCircle(x, y, 0.625, 0.375, 0.062)) return BRAND; // head
  if (inEllipse(x, y, 0.5, 0.5, 0.155, 0.095, -0.3)) return BRAND; // body
  if (inTriangle(x, y, [0.39, 0.5], [0.27, 0.6], [0.31, 0.47])) return BRAND; // tail feathers
  if (inCircle(x, y, 0.5, 0.47, 0.3)) return WHITE; // speech bubble
  if (inTriangle(x, y, [0.3, 0.6], [0.43, 0.74], [0.22, 0.82])) return WHITE; // bubble tail
  return null;
}

/**
 * @param size pixel size
 * @param options.maskable full-bleed background, artwork shrunk into the 80 % safe zone
 */
function render(size, { maskable }) {
  const scale = maskable ? 0.82 : 1;
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES) / size;
          const y = (py + (sy + 0.5) / SAMPLES) / size;
          const background = maskable || inRoundedSquare(x, y, 0.22);
          if (!background) continue;
          const colour = artwork(0.5 + (x - 0.5) / scale, 0.5 + (y - 0.5) / scale) ?? BRAND;
          r += colour[0]; g += colour[1]; b += colour[2]; a += 255;
        }
      }
      const n = SAMPLES * SAMPLES;
      const i = (py * size + px) * 4;
      // Premultiplied sums → straight alpha.
      const coverage = a / 255;
      rgba[i] = coverage ? Math.round(r / coverage) : 0;
      rgba[i + 1] = coverage ? Math.round(g / coverage) : 0;
      rgba[i + 2] = coverage ? Math.round(b / coverage) : 0;
      rgba[i + 3] = Math.round(a / n);
    }
  }
  return encodePng(size, size, rgba);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  // Each scanline starts with filter type 0 (none).
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const ICONS = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'icon-maskable-512.png', size: 512, maskable: true },
  // iOS draws its own rounded corners and ignores transparency: use the full-bleed variant.
  { file: 'apple-touch-icon-180.png', size: 180, maskable: true },
  { file: 'favicon-32.png', size: 32, maskable: false },
];

mkdirSync(OUT_DIR, { recursive: true });
for (const icon of ICONS) {
  const png = render(icon.size, icon);
  writeFileSync(join(OUT_DIR, icon.file), png);
  console.log(`${icon.file}: ${icon.size}×${icon.size}, ${png.length} bytes`);
}
