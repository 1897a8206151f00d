// Small DOM helpers. Data is only ever put into the page as text nodes or
// attribute values (never parsed as HTML), and no element gets a `style` attribute
// (the CSP forbids inline styles): looks come from classes in styles.css.

import { t, type MsgKey, type Vars } from "./i18n";

export type AttrValue = string | number | boolean | null | undefined;
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, AttrValue> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "style" || name.startsWith("on")) {
      throw new Error(`h(): attribute ${name} is not allowed`);
    }
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name === "className" ? "class" : name, value === true ? "" : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function show(el: HTMLElement, visible: boolean): void {
  el.hidden = !visible;
}

// --- text that follows the language toggle ------------------------------------------

const updaters = new WeakMap<Element, Array<() => void>>();

/** Run `update` now and again whenever the language changes. */
export function localize<T extends Element>(el: T, update: () => void): T {
  update();
  const list = updaters.get(el);
  if (list) list.push(update);
  else updaters.set(el, [update]);
  el.setAttribute("data-l10n", "");
  return el;
}

/** Re-run the updaters of every localised element under `root`. */
export function relocalize(root: ParentNode): void {
  const els = root.querySelectorAll("[data-l10n]");
  for (const el of Array.from(els)) updaters.get(el)?.forEach((f) => f());
}

/** Set an element's text to a message (kept in step with the language). */
export function tr<T extends Element>(el: T, key: MsgKey, vars?: Vars): T {
  return localize(el, () => {
    el.textContent = t(key, vars);
  });
}

/** Set an element's text from a function of the language (e.g. programme names). */
export function trFn<T extends Element>(el: T, fn: () => string): T {
  return localize(el, () => {
    el.textContent = fn();
  });
}

/** Set an attribute (placeholder, aria-label, title) to a message. */
export function trAttr<T extends Element>(el: T, attr: string, key: MsgKey, vars?: Vars): T {
  return localize(el, () => el.setAttribute(attr, t(key, vars)));
}

/** An element whose only content is a localised message. */
export function ht<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, AttrValue>,
  key: MsgKey,
  vars?: Vars,
): HTMLElementTagNameMap[K] {
  return tr(h(tag, attrs), key, vars);
}

/** `<option>`s for a select, labels from messages. */
export function options<V extends string>(
  select: HTMLSelectElement,
  values: readonly V[],
  label: (v: V) => MsgKey,
  selected?: V,
): void {
  for (const v of values) {
    const o = ht("option", { value: v }, label(v));
    if (v === selected) o.selected = true;
    select.appendChild(o);
  }
  if (selected !== undefined) select.value = selected;
}

let idCounter = 0;
export function uid(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A label + control pair. */
export function field(labelKey: MsgKey, control: HTMLElement, extraClass = ""): HTMLDivElement {
  if (!control.id) control.id = uid("f");
  const label = ht("label", { for: control.id }, labelKey);
  return h("div", { class: `field ${extraClass}`.trim() }, label, control);
}

export function isEditable(el: Element | null): boolean {
  if (!el) return false;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) {
    return !["checkbox", "radio", "button", "submit", "reset"].includes(el.type);
  }
  return (el as HTMLElement).isContentEditable === true;
}
