// Building the page without innerHTML: every text goes in as a text node, so nothing from the
// API (names, message previews, error texts) can become markup.

const SVG = 'http://www.w3.org/2000/svg';

function build(element, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') element.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: h('a', {href: '#/'}, 'Overview'). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG, tag), attrs, children);
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A card: <section class="card"> with a header (title, optional sub-title or controls) and a body. */
export function card(title, options = {}, ...body) {
  const id = options.id;
  return h('section', {class: ['card', options.wide && 'wide'], id, 'aria-labelledby': id && id + '-title'},
    h('header', {}, h('h2', {id: id && id + '-title'}, title), options.sub ? h('span', {class: 'sub'}, options.sub) : null),
    ...body);
}
