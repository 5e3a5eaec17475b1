import { Migration0001Initial } from "./0001-initial.js";
import { Migration0002RateLimits } from "./0002-rate-limits.js";
import { Migration0003DataKeys } from "./0003-data-keys.js";

/** Every migration of the core schema, oldest first. */
export const migrations = [
  { name: "0001-initial", class: Migration0001Initial },
  { name: "0002-rate-limits", class: Migration0002RateLimits },
  { name: "0003-data-keys", class: Migration0003DataKeys },
];
