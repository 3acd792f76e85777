// Colours that canvas drawing takes from the style sheet's custom properties (style.css :root),
// so that every colour of the UI is defined in one place.

/** The value of the custom property `name` (e.g. "--mask"), or `fallback` when it is not set. */
export function cssColour(name, fallback) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}
