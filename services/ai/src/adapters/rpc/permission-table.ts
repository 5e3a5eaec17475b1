import { can, methodPermissions, roles } from "./authorization.js";

/** docs/security.md's ai permission table, rendered from the code that enforces it. */
export function permissionTable(): string {
  const header = `| method | needs | ${roles.join(" | ")} | non-member |`;
  const rule = `|${" --- |".repeat(roles.length + 3)}`;
  const rows = Object.entries(methodPermissions).map(([method, permission]) => {
    const cells = roles.map((role) => (can(role, permission) ? "yes" : "no"));
    return `| \`${method.replace("glidepath.ai.v1.", "")}\` | ${permission} | ${cells.join(" | ")} | no |`;
  });
  return [header, rule, ...rows].join("\n");
}
