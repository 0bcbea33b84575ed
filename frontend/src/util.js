// DOM helpers without the map library, for islands that need no map.
export const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || '';

export function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
}
