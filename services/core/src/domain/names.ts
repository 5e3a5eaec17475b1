import { InvalidInputError } from "./errors.js";

// Resource names (AIP-122): `workspaces/{workspace}/tasks/{task}` and friends.

const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const user = "[A-Za-z0-9][A-Za-z0-9._:|@+-]{0,127}";
const workspacePattern = new RegExp(`^workspaces/(${uuid})$`);
const childPattern = new RegExp(`^workspaces/(${uuid})/(projects|tasks)/(${uuid})$`);
const memberPattern = new RegExp(`^workspaces/(${uuid})/members/(${user})$`);
export const userIdPattern = new RegExp(`^${user}$`);

export const workspaceName = (workspaceId: string) => `workspaces/${workspaceId}`;
export const projectName = (workspaceId: string, id: string) =>
  `workspaces/${workspaceId}/projects/${id}`;
export const taskName = (workspaceId: string, id: string) =>
  `workspaces/${workspaceId}/tasks/${id}`;
export const memberName = (workspaceId: string, userId: string) =>
  `workspaces/${workspaceId}/members/${userId}`;

/** The workspace id of any resource name under `workspaces/{id}`, or undefined. */
export function workspaceOf(name: string): string | undefined {
  const match = /^workspaces\/([0-9a-f-]{36})(\/|$)/.exec(name);
  return match?.[1];
}

export function parseWorkspaceName(name: string, field: string): string {
  const match = workspacePattern.exec(name);
  if (!match?.[1]) throw InvalidInputError.field(field, "must be workspaces/{workspace}");
  return match[1];
}

export function parseChildName(
  name: string,
  kind: "projects" | "tasks",
  field: string,
): { workspaceId: string; id: string } {
  const match = childPattern.exec(name);
  if (!match?.[1] || !match[3] || match[2] !== kind) {
    throw InvalidInputError.field(field, `must be workspaces/{workspace}/${kind}/{id}`);
  }
  return { workspaceId: match[1], id: match[3] };
}

export function parseMemberName(
  name: string,
  field: string,
): { workspaceId: string; user: string } {
  const match = memberPattern.exec(name);
  if (!match?.[1] || !match[2]) {
    throw InvalidInputError.field(field, "must be workspaces/{workspace}/members/{user}");
  }
  return { workspaceId: match[1], user: match[2] };
}
