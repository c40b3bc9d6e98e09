// Building DOM without HTML strings: text from other people only ever becomes a text node.

/** Creates an element; props are set as properties (or data-* attributes), strings become text nodes. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('data-') || key.startsWith('aria-') || key === 'role') el.setAttribute(key, String(value));
    else if (key === 'class') el.className = value;
    else el[key] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's content with a text node. */
export function setText(el, text) {
  el.textContent = text;
}

export const $ = id => document.getElementById(id);

/** "14:05" today, "3 Feb 14:05" on other days; the full time goes in the title. */
export function shortTime(ms) {
  const date = new Date(ms);
  const sameDay = date.toDateString() === new Date().toDateString();
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return sameDay ? time : `${date.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${time}`;
}
