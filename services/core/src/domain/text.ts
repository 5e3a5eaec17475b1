import { InvalidInputError } from "./errors.js";

const controlCharacters = /[\u0000-\u001f\u007f]/;

/** A trimmed single-line name of 1..max characters, or an INVALID_ARGUMENT naming `field`. */
export function requireName(value: string, field: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw InvalidInputError.field(field, "must not be empty");
  if (trimmed.length > max)
    throw InvalidInputError.field(field, `must be at most ${max} characters`);
  if (controlCharacters.test(trimmed)) {
    throw InvalidInputError.field(field, "must not contain control characters");
  }
  return trimmed;
}

/** Free text of at most `max` characters; line breaks and tabs allowed, other controls not. */
export function requireText(value: string, field: string, max: number): string {
  if (value.length > max) throw InvalidInputError.field(field, `must be at most ${max} characters`);
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) {
    throw InvalidInputError.field(field, "must not contain control characters");
  }
  return value;
}
