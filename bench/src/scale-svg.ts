import type { Variant } from "./server/config.ts";
import { COLORS, escape } from "./svg.ts";

/** One cell of the scale run: medians over its repetitions. */
export interface ScalePoint {
  readonly variant: Variant;
  readonly poolMax: number;
  readonly connections: number;
  readonly rps: number;
  readonly p99Ms: number;
}

const PANEL_W = 380;
const PANEL_H = 240;
const MARGIN = { left: 60, top: 60, bottom: 40, gap: 70 };
const DASHES = ["", "6 3", "2 3", "10 3 2 3"];

/**
 * Two line charts side by side, throughput and p99 against wrk connections (evenly spaced, as the
 * loads are powers of two apart): a line per variant (colour) and pool size (dash).
 */
export function scaleChart(points: readonly ScalePoint[], title: string): string {
  const loads = [...new Set(points.map((p) => p.connections))].sort((a, b) => a - b);
  const pools = [...new Set(points.map((p) => p.poolMax))].sort((a, b) => a - b);
  const variants = [...new Set(points.map((p) => p.variant))];
  const parts: string[] = [];
  const panel = (index: number, label: string, value: (p: ScalePoint) => number) => {
    const x0 = MARGIN.left + index * (PANEL_W + MARGIN.gap);
    const y0 = MARGIN.top;
    const top = Math.max(...points.map(value)) * 1.1 || 1;
    const x = (load: number) => x0 + (loads.indexOf(load) / Math.max(1, loads.length - 1)) * PANEL_W;
    const y = (v: number) => y0 + PANEL_H - (v / top) * PANEL_H;
    parts.push(
      `<text x="${x0}" y="${y0 - 10}" class="g">${escape(label)}</text>`,
      `<line x1="${x0}" y1="${y0 + PANEL_H}" x2="${x0 + PANEL_W}" y2="${y0 + PANEL_H}" stroke="#999"/>`,
      `<line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y0 + PANEL_H}" stroke="#999"/>`,
    );
    for (let t = 0; t <= 4; t++) {
      const v = (top / 4) * t;
      parts.push(
        `<text x="${x0 - 6}" y="${y(v) + 3}" class="n" text-anchor="end">${v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1)}</text>`,
      );
    }
    for (const load of loads) {
      parts.push(`<text x="${x(load)}" y="${y0 + PANEL_H + 14}" class="n" text-anchor="middle">${load}</text>`);
    }
    parts.push(
      `<text x="${x0 + PANEL_W / 2}" y="${y0 + PANEL_H + 30}" class="n" text-anchor="middle">wrk connections</text>`,
    );
    for (const variant of variants) {
      pools.forEach((poolMax, i) => {
        const line = loads
          .map((load) => points.find((p) => p.variant === variant && p.poolMax === poolMax && p.connections === load))
          .filter((p): p is ScalePoint => p !== undefined)
          .map((p) => `${x(p.connections).toFixed(1)},${y(value(p)).toFixed(1)}`)
          .join(" ");
        const dash = DASHES[i % DASHES.length] ?? "";
        parts.push(
          `<polyline points="${line}" fill="none" stroke="${COLORS[variant]}" stroke-width="2"${dash === "" ? "" : ` stroke-dasharray="${dash}"`}/>`,
        );
      });
    }
  };
  panel(0, "median req/s", (p) => p.rps);
  panel(1, "median p99 latency, ms", (p) => p.p99Ms);
  const width = MARGIN.left + 2 * PANEL_W + MARGIN.gap + 30;
  const legendY = MARGIN.top + PANEL_H + MARGIN.bottom + 16;
  const legend = [
    ...variants.map(
      (v, i) =>
        `<rect x="${MARGIN.left + i * 70}" y="${legendY - 9}" width="10" height="10" fill="${COLORS[v]}"/><text x="${MARGIN.left + i * 70 + 14}" y="${legendY}" class="n">${v}</text>`,
    ),
    ...pools.map((poolMax, i) => {
      const x = MARGIN.left + variants.length * 70 + 20 + i * 110;
      const dash = DASHES[i % DASHES.length] ?? "";
      return `<line x1="${x}" y1="${legendY - 4}" x2="${x + 30}" y2="${legendY - 4}" stroke="#333" stroke-width="2"${dash === "" ? "" : ` stroke-dasharray="${dash}"`}/><text x="${x + 36}" y="${legendY}" class="n">pool ${poolMax}</text>`;
    }),
  ];
  const height = legendY + 16;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<style>.g{font-size:11px;font-weight:bold}.n{font-size:10px;fill:#333}</style>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="18" font-size="13" font-weight="bold">${escape(title)}</text>`,
    ...parts,
    ...legend,
    `</svg>`,
    "",
  ].join("\n");
}
