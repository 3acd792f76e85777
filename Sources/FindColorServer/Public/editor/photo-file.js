// The photo files the server reads (the same list as the file pickers' `accept` in index.html), and
// the file pickers that choose them.

import { toast } from "../toast.js";

const ACCEPTED_TYPES = ["image/jpeg", "image/png", "image/tiff"];
const ACCEPTED_EXTENSIONS = /\.(jpe?g|png|tiff?)$/i;

/** True for a JPEG, PNG or TIFF file; otherwise says so in a toast. */
export function checkPhotoFile(file) {
  if (ACCEPTED_TYPES.includes(file.type) || ACCEPTED_EXTENSIONS.test(file.name || "")) return true;
  toast(`“${file.name}” is not a JPEG, PNG or TIFF photo.`, "error");
  return false;
}

/**
 * Wires a hidden file input and the buttons that open it: `handle(file)` gets the file chosen
 * (the input is emptied, so that choosing the same file again is seen too).
 */
export function choosePhotoWith(input, buttons, handle) {
  input.addEventListener("change", () => {
    const file = input.files[0];
    input.value = "";
    if (file) handle(file);
  });
  for (const button of buttons) button.addEventListener("click", () => input.click());
}
