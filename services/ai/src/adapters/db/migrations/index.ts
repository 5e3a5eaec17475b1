import { Migration0001Models } from "./0001-models.js";

/** Every migration of the ai schema, oldest first. */
export const migrations = [{ name: "0001-models", class: Migration0001Models }];
