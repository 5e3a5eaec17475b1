import { Migration0001Models } from "./0001-models.js";
import { Migration0002RateLimits } from "./0002-rate-limits.js";

/** Every migration of the ai schema, oldest first. */
export const migrations = [
  { name: "0001-models", class: Migration0001Models },
  { name: "0002-rate-limits", class: Migration0002RateLimits },
];
