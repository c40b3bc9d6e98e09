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

/** "14:05:09": a clock time without a leading zero on the hour. */
export const clockTime = ms => new Date(ms).toLocaleTimeString('en-GB', { hour: 'numeric', minute: '2-digit', second: '2-digit' });

export class LineChart {
  #canvas;
  #legend;
  #tip;
  #title;
  #times = [];
  #series = new Map(); // name → {color, points: number|null[]}
  #window;
  #format;
  #least;
  #nice;

  /**
   * `least`: the smallest top of the y axis, so that an idle chart does not magnify noise;
   * `nice`: rounds a step of the axis up to a round number.
   */
  constructor(container, { window = 120, format = v => String(Math.round(v)), least = 4, nice = niceCeiling, title = 'Chart' } = {}) {
    // A canvas says nothing to a screen reader: its label carries the latest values in words.
    this.#canvas = h('canvas', { class: 'chart-canvas', role: 'img', 'aria-label': title });
    this.#legend = h('ul', { class: 'legend' });
    this.#tip = h('div', { class: 'chart-tip', hidden: true });
    this.#title = title;
    const plot = h('div', { class: 'chart-plot' }, this.#canvas, this.#tip);
    container.append(plot, this.#legend);
    this.#canvas.addEventListener('mousemove', e => this.#hover(e.offsetX));
    this.#canvas.addEventListener('mouseleave', () => { this.#tip.hidden = true; });
    this.#window = window;
    this.#format = format;
    this.#least = least;
    this.#nice = nice;
  }

  /**
   * Adds one point to every series: `values` maps series name → number (missing: a gap); `time`
   * is when it was measured (ms since the epoch), shown when the pointer is over it.
   */
  push(values, time = Date.now(), draw = true) {
    this.#times.push(time);
    if (this.#times.length > this.#window) this.#times.shift();
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
    if (draw) this.draw();
  }

  // The values of the point under the pointer, with its time.
  #hover(x) {
    const { left, step } = this.#layout ?? {};
    if (step === undefined || this.#times.length === 0) return;
    const offset = this.#window - this.#times.length;
    const i = Math.round((x - left) / step) - offset;
    if (i < 0 || i >= this.#times.length) {
      this.#tip.hidden = true;
      return;
    }
    const rows = [...this.#series].map(([name, s]) => `${name} ${s.points[i] === null || s.points[i] === undefined ? '–' : this.#format(s.points[i])}`);
    this.#tip.textContent = `${clockTime(this.#times[i])}: ${rows.join(', ')}`;
    this.#tip.style.left = `${Math.min(Math.max(0, x - 60), this.#canvas.clientWidth - 160)}px`;
    this.#tip.hidden = false;
  }

  #layout = null;

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
    const step = plotW / Math.max(1, this.#window - 1);
    this.#layout = { left, step };
    // Marks on the time axis every 30 s, counted back from now.
    g.textBaseline = 'alphabetic';
    for (let ago = 0; ago < this.#window; ago += 30) {
      const x = left + (this.#window - 1 - ago) * step;
      g.strokeStyle = '#e5e7eb';
      g.beginPath();
      g.moveTo(Math.round(x) + 0.5, top);
      g.lineTo(Math.round(x) + 0.5, top + plotH + 3);
      g.stroke();
      g.textAlign = ago === 0 ? 'right' : 'center';
      g.fillText(ago === 0 ? 'now' : `−${ago} s`, x, height - 4);
    }
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
    // How many measured points are drawn: the history a page opened with shows here.
    this.#canvas.dataset.points = String(Math.max(0, ...[...this.#series.values()].map(x => x.points.filter(v => v !== null).length)));
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
    const latest = [...this.#series].map(([name, s]) => `${name} ${s.points.at(-1) == null ? 'no value' : this.#format(s.points.at(-1))}`);
    this.#canvas.setAttribute('aria-label', `${this.#title}, the last ${this.#window} seconds; now: ${latest.join(', ') || 'no data yet'}`);
  }
}
