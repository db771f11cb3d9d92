// The DOM helpers every part of the admin page shares. Text from the server
// or the schema only ever reaches the page through textContent (never
// innerHTML): the page runs with an admin's token.

export const $ = (id) => document.getElementById(id);

export function setStatus(element, text, isError = false) {
  element.textContent = text;
  element.classList.toggle('error', isError);
  element.classList.toggle('muted', !isError);
}

// Replaces a <select>'s options with [value, text] pairs.
export function fillSelect(select, options) {
  select.replaceChildren(...options.map(([value, text]) => {
    const option = document.createElement('option');
    option.value = value;
    option.textContent = text;
    return option;
  }));
}
