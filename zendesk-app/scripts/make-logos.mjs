// Draws the app's logos (a clock face in a rounded square) as PNGs with no image library: the
// Marketplace needs assets/logo.png (320x320) and assets/logo-small.png (128x128). Run once; the
// PNGs are committed.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

function png(size) {
  const rows = [];
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - c;
      const dy = y + 0.5 - c;
      const r = Math.hypot(dx, dy);
      const corner = size * 0.18;
      const qx = Math.max(Math.abs(dx) - (c - corner), 0);
      const qy = Math.max(Math.abs(dy) - (c - corner), 0);
      const inside = Math.hypot(qx, qy) <= corner;
      let rgba = [0, 0, 0, 0];
      if (inside) rgba = [3, 54, 61, 255]; // Garden's kale
      if (inside && r < size * 0.36) rgba = [255, 255, 255, 255];
      const hand = (ax, ay, len, w) => {
        const t = (dx * ax + dy * ay) / len;
        const d = Math.abs(dx * ay - dy * ax);
        return t >= 0 && t <= len && d <= w;
      };
      if (r < size * 0.36 && (hand(0, -1, size * 0.27, size * 0.03) || hand(0.8, 0.6, size * 0.2, size * 0.03))) rgba = [23, 73, 77, 255];
      if (r < size * 0.36 && r > size * 0.31) rgba = [237, 97, 87, 255];
      row.set(rgba, 1 + x * 4);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

writeFileSync(join(here, '..', 'src', 'assets', 'logo.png'), png(320));
writeFileSync(join(here, '..', 'src', 'assets', 'logo-small.png'), png(128));
