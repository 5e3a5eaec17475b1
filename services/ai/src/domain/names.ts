import { InvalidInputError } from "./errors.js";

// Resource names (AIP-122) the ai service reads and writes: core's workspaces, tasks and
// projects, and its own models, `workspaces/{workspace}/models/{version}`.

const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const workspacePattern = new RegExp(`^workspaces/(${uuid})$`);
const childPattern = new RegExp(`^workspaces/(${uuid})/(projects|tasks)/(${uuid})$`);
const modelPattern = new RegExp(`^workspaces/(${uuid})/models/([1-9][0-9]{0,8})$`);

export const workspaceName = (workspaceId: string) => `workspaces/${workspaceId}`;
export const projectName = (workspaceId: string, id: string) =>
  `workspaces/${workspaceId}/projects/${id}`;
export const taskName = (workspaceId: string, id: string) =>
  `workspaces/${workspaceId}/tasks/${id}`;
export const modelName = (workspaceId: string, version: number) =>
  `workspaces/${workspaceId}/models/${version}`;

/** The workspace id of any resource name under `workspaces/{id}`, or undefined. */
export function workspaceOf(name: string): string | undefined {
  const match = new RegExp(`^workspaces/(${uuid})(/|$)`).exec(name);
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

export function parseModelName(
  name: string,
  field: string,
): { workspaceId: string; version: number } {
  const match = modelPattern.exec(name);
  if (!match?.[1] || !match[2]) {
    throw InvalidInputError.field(field, "must be workspaces/{workspace}/models/{version}");
  }
  return { workspaceId: match[1], version: Number(match[2]) };
}
