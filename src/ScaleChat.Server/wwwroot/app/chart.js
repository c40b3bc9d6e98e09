// A small line chart on a canvas: a rolling window of points per series, an auto-scaled y axis,
// a legend built from text nodes. No library, nothing fetched.
import { h } from './dom.js';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

/** The smallest "nice" number (1, 2, 2.5, 5 × 10^n) at or above `value`. */
export function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

/** The smallest power of two at or above `value`: round steps for sizes in bytes. */
export const powerOfTwoCeiling = value => 2 ** Math.ceil(Math.log2(Math.max(value, 1)));

export class LineChart {
  #canvas;
  #legend;
  #series = new Map(); // name → {color, points: number|null[]}
  #window;
  #format;
  #least;
  #nice;

  /**
   * `least`: the smallest top of the y axis, so that an idle chart does not magnify noise;
   * `nice`: rounds a step of the axis up to a round number.
   */
  constructor(container, { window = 120, format = v => String(Math.round(v)), least = 4, nice = niceCeiling } = {}) {
    this.#canvas = h('canvas', { class: 'chart-canvas' });
    this.#legend = h('ul', { class: 'legend' });
    container.append(this.#canvas, this.#legend);
    this.#window = window;
    this.#format = format;
    this.#least = least;
    this.#nice = nice;
  }

  /** Adds one point to every series: `values` maps series name → number (missing: a gap). */
  push(values) {
    for (const name of Object.keys(values)) {
      if (!this.#series.has(name)) {
        this.#series.set(name, { color: PALETTE[this.#series.size % PALETTE.length], points: [] });
      }
    }
    for (const [name, s] of this.#series) {
      const v = values[name];
      s.points.push(typeof v === 'number' && Number.isFinite(v) ? v : null);
      if (s.points.length > this.#window) s.points.shift();
    }
    this.draw();
  }

  draw() {
    const canvas = this.#canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 300;
    const height = canvas.clientHeight || 150;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);

    const left = 60, right = 8, top = 8, bottom = 18;
    const plotW = width - left - right, plotH = height - top - bottom;
    let max = this.#least;
    for (const s of this.#series.values()) for (const v of s.points) if (v !== null && v > max) max = v;
    // Four steps of a nice size, so every label on the axis is a round number.
    max = this.#nice(max / 4) * 4;

    g.font = '11px system-ui, sans-serif';
    g.fillStyle = '#657080';
    g.strokeStyle = '#e5e7eb';
    g.lineWidth = 1;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const y = top + plotH - (plotH * i) / 4;
      g.beginPath();
      g.moveTo(left, Math.round(y) + 0.5);
      g.lineTo(left + plotW, Math.round(y) + 0.5);
      g.stroke();
      g.fillText(this.#format((max * i) / 4), left - 6, y);
    }
    g.textAlign = 'left';
    g.textBaseline = 'alphabetic';
    g.fillText(`last ${this.#window} s`, left, height - 4);

    const step = plotW / Math.max(1, this.#window - 1);
    for (const s of this.#series.values()) {
      g.strokeStyle = s.color;
      g.lineWidth = 2;
      g.beginPath();
      let drawing = false;
      const offset = this.#window - s.points.length;
      s.points.forEach((v, i) => {
        if (v === null) { drawing = false; return; }
        const x = left + (offset + i) * step;
        const y = top + plotH - (v / max) * plotH;
        if (drawing) g.lineTo(x, y); else g.moveTo(x, y);
        drawing = true;
      });
      g.stroke();
    }
    this.#renderLegend();
  }

  #renderLegend() {
    const items = [...this.#series].map(([name, s]) => {
      const last = s.points.at(-1);
      const swatch = h('span', { class: 'swatch' });
      swatch.style.backgroundColor = s.color; // CSSOM, which the content security policy allows
      return h('li', {}, swatch, `${name} `,
        h('strong', {}, last === null || last === undefined ? '–' : this.#format(last)));
    });
    this.#legend.replaceChildren(...items);
  }
}
