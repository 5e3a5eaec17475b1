import { can, roles } from "../../domain/roles.js";
import { internalMethods, methodPermissions } from "./authorization.js";

/** docs/security.md's permission table, rendered from the code that enforces it. */
export function permissionTable(): string {
  const header = `| method | needs | ${roles.join(" | ")} | non-member |`;
  const rule = `|${" --- |".repeat(roles.length + 3)}`;
  const rows = Object.entries(methodPermissions).map(([method, permission]) => {
    const cells = roles.map((role) =>
      permission === "signed-in" || can(role, permission) ? "yes" : "no",
    );
    const outsider = permission === "signed-in" ? "yes" : "no";
    return `| \`${method.replace("glidepath.core.v1.", "")}\` | ${permission} | ${cells.join(" | ")} | ${outsider} |`;
  });
  return [header, rule, ...rows].join("\n");
}

/** docs/security.md's table of internal-only methods, rendered from the code that enforces it. */
export function internalMethodTable(): string {
  const rows = Object.entries(internalMethods).map(
    ([method, services]) =>
      `| \`${method.replace("glidepath.core.v1.", "")}\` | ${services.map((s) => `\`${s}\``).join(", ")} | no | no |`,
  );
  return [
    "| method | services allowed | users | other services |",
    "| --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
