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

/** "9:05" today (no leading zero on the hour), "3 Feb 9:05" on other days; the full time goes in the title. */
export function shortTime(ms) {
  const date = new Date(ms);
  const sameDay = date.toDateString() === new Date().toDateString();
  const time = date.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
  return sameDay ? time : `${date.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${time}`;
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/**
 * Text with its http(s) addresses as links: text nodes and anchors only, never markup, and only
 * http: and https: addresses (a javascript: or data: address stays text), opened in a new tab.
 */
export function linkify(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let url;
    try {
      url = new URL(match[0]);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(h('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer nofollow' }, match[0]));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}
