import { Migration0001Initial } from "./0001-initial.js";

/** Every migration of the core schema, oldest first. */
export const migrations = [{ name: "0001-initial", class: Migration0001Initial }];
