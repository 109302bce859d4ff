import type { CellResult } from "./measure.ts";
import type { Variant } from "./server/config.ts";
import { max, median, min } from "./stats.ts";

export const COLORS: Record<Variant, string> = {
  B1: "#7f8c8d",
  B1a: "#2980b9",
  L: "#27ae60",
  P: "#c0392b",
  LK: "#8e44ad",
  K: "#d35400",
  M: "#f1c40f",
};
const LABEL_WIDTH = 230;
const BAR_WIDTH = 520;
const BAR = 11;
const GAP = 10;

export function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * A horizontal bar chart of median req/s per cell, grouped by framework/driver/route, each group
 * scaled to its own fastest variant (routes differ by 10x, so one scale would flatten the slow ones).
 * The thin line on each bar spans min to max of the repetitions.
 */
export function chart(cells: readonly CellResult[], title: string): string {
  const groups = new Map<string, CellResult[]>();
  for (const cell of cells) {
    const key = `${cell.framework} / ${cell.driver} / ${cell.route}`;
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  const parts: string[] = [];
  let y = 50;
  for (const [label, list] of groups) {
    const top = max(list.map((c) => max(c.samples.map((s) => s.rps)))) || 1;
    parts.push(`<text x="8" y="${y + 9}" class="g">${escape(label)}</text>`);
    for (const cell of list) {
      const rps = cell.samples.map((s) => s.rps);
      const mid = median(rps);
      const w = (mid / top) * BAR_WIDTH;
      const lo = LABEL_WIDTH + (min(rps) / top) * BAR_WIDTH;
      const hi = LABEL_WIDTH + (max(rps) / top) * BAR_WIDTH;
      parts.push(
        `<text x="${LABEL_WIDTH - 6}" y="${y + 9}" class="v" text-anchor="end">${cell.variant}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${COLORS[cell.variant]}"/>`,
        `<line x1="${lo.toFixed(1)}" x2="${hi.toFixed(1)}" y1="${y + BAR / 2}" y2="${y + BAR / 2}" stroke="#222" stroke-width="1"/>`,
        `<text x="${(Math.max(LABEL_WIDTH + w, hi) + 6).toFixed(1)}" y="${y + 9}" class="n">${Math.round(mid).toLocaleString("en-US")}</text>`,
      );
      y += BAR + 3;
    }
    y += GAP;
  }
  const height = y + 10;
  const width = LABEL_WIDTH + BAR_WIDTH + 90;
  const legend = (Object.keys(COLORS) as Variant[])
    .map(
      (v, i) =>
        `<rect x="${LABEL_WIDTH + i * 90}" y="28" width="10" height="10" fill="${COLORS[v]}"/><text x="${LABEL_WIDTH + i * 90 + 14}" y="37" class="n">${v}</text>`,
    )
    .join("");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<style>.g{font-size:11px;font-weight:bold}.v{font-size:10px}.n{font-size:10px;fill:#333}</style>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="18" font-size="13" font-weight="bold">${escape(title)}</text>`,
    `<text x="8" y="37" class="n">median req/s (line: min-max)</text>`,
    legend,
    ...parts,
    `</svg>`,
    "",
  ].join("\n");
}
