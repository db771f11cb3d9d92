// Form fields generated from an event's JSON Schema (as the catalogue gives
// it): a fieldset per nested message (up to a depth), one input per scalar,
// a JSON textarea for the rest. Each field knows the path it fills
// ("data.id"), so a server error naming that path can be shown next to it.

import { resolve } from './catalogue.js';
import { fillSelect } from './dom.js';

/**
 * Builds the fields of `schema` into `container`; `scopeFields` are marked
 * "scope", `onChange` runs on every edit. Returns {leaves: [{path, input,
 * error}], collect() -> {has, value}}.
 */
export function buildFields(container, schema, scopeFields, onChange) {
  return group(container, schema, '', 0, scopeFields, onChange);
}

// One generated input: its element, the path it fills ("data.id"), and how
// its text becomes JSON.
function leaf(container, name, schema, path, required, badge, onChange) {
  const s = resolve(schema);
  const wrapper = document.createElement('div');
  wrapper.className = 'field';
  const label = document.createElement('label');
  const title = document.createElement('span');
  title.textContent = name + (required ? ' *' : '');
  label.append(title);
  if (badge) {
    const b = document.createElement('span');
    b.className = 'badge';
    b.textContent = badge;
    label.append(b);
  }
  const hint = document.createElement('span');
  hint.className = 'hint';
  let input;
  let kind = 'string';
  if (Array.isArray(s.enum) && (s.type === 'string' || s.type === undefined)) {
    input = document.createElement('select');
    fillSelect(input, [['', '(unset)'], ...s.enum.map((v) => [String(v), String(v)])]);
    kind = 'enum';
  } else if (s.type === 'boolean') {
    input = document.createElement('select');
    fillSelect(input, [['', '(unset)'], ['true', 'true'], ['false', 'false']]);
    kind = 'boolean';
  } else if (s.type === 'integer' || s.type === 'number' || isNumberLike(s)) {
    input = document.createElement('input');
    input.inputMode = 'decimal';
    kind = 'number';
    hint.textContent = s.type === 'integer' ? 'integer' : 'number';
  } else if (s.type === 'string') {
    input = document.createElement('input');
    if (s.format === 'date-time') {
      input.placeholder = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      hint.textContent = 'RFC 3339 timestamp';
    } else if (s.format || s.pattern) {
      hint.textContent = s.format || `pattern ${s.pattern}`;
    }
  } else {
    input = document.createElement('textarea');
    input.placeholder = s.type === 'array' ? '[ ... ]' : '{ ... }';
    kind = 'json';
    hint.textContent = 'JSON';
  }
  input.name = path;
  input.dataset.path = path;
  if (s.description) input.title = s.description;
  label.append(hint, input);
  const error = document.createElement('span');
  error.className = 'field-error';
  error.setAttribute('aria-live', 'polite');
  wrapper.append(label, error);
  container.append(wrapper);
  input.addEventListener('input', onChange);
  input.addEventListener('change', onChange);
  return {
    path,
    input,
    error,
    collect() {
      const text = input.value;
      if (text === '') return kind === 'string' && required ? { has: true, value: '' } : { has: false };
      switch (kind) {
        case 'number': {
          // Not a number? Sent as typed: the server says what is wrong.
          const trimmed = text.trim();
          return { has: true, value: /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(trimmed) &&
                                     Number.isSafeInteger(Math.trunc(Number(trimmed)))
                                         ? Number(trimmed) : text };
        }
        case 'boolean':
          return { has: true, value: text === 'true' };
        case 'json':
          try {
            return { has: true, value: JSON.parse(text) };
          } catch {
            return { has: true, value: text };
          }
        default:
          return { has: true, value: text };
      }
    },
  };
}

function isNumberLike(s) {
  return Array.isArray(s.anyOf) && s.anyOf.some((alt) => alt.type === 'number' || alt.type === 'integer');
}

// An object's fields: a fieldset each for nested messages (up to a depth),
// one input per scalar, a JSON textarea for the rest.
function group(container, schema, path, depth, scopeFields, onChange) {
  const s = resolve(schema);
  const required = new Set(s.required || []);
  const children = [];
  for (const [name, property] of Object.entries(s.properties || {})) {
    const p = resolve(property);
    if (p.const !== undefined) continue;  // "type": fixed by the event type
    const childPath = path ? `${path}.${name}` : name;
    if (p.type === 'object' && p.properties && depth < 4) {
      const fieldset = document.createElement('fieldset');
      const legend = document.createElement('legend');
      legend.textContent = name + (required.has(name) ? ' *' : '');
      if (p.description) legend.title = p.description;
      fieldset.append(legend);
      container.append(fieldset);
      const inner = group(fieldset, p, childPath, depth + 1, new Set(), onChange);
      children.push({ name, required: required.has(name), node: inner });
    } else {
      const badge = scopeFields.has(name) ? 'scope' : '';
      children.push({ name, node: leaf(container, name, property, childPath, required.has(name), badge,
                                       onChange) });
    }
  }
  return {
    leaves: children.flatMap((c) => (c.node.leaves ? c.node.leaves : [c.node])),
    collect() {
      const value = {};
      let has = false;
      for (const child of children) {
        const got = child.node.collect();
        if (got.has) {
          value[child.name] = got.value;
          has = true;
        } else if (child.required && child.node.leaves) {
          value[child.name] = got.value;
          has = true;
        }
      }
      return { has, value };
    },
  };
}
