import { createHash, randomUUID } from "node:crypto";
import { type Client, Code } from "@connectrpc/connect";
import {
  ChangeService,
  MemberService,
  type Priority,
  ProjectService,
  Role,
  TaskService,
  WorkspaceService,
} from "@glidepath/contracts/core/v1";
import { BadRequestSchema } from "@glidepath/contracts/google";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness } from "./harness.js";
import { type Db, errorStats, expectInvalidArgument, openDb } from "./rpc-expect.js";

// Every protovalidate rule of the core contracts, and every domain input rule, with an input
// that breaks it: each must answer INVALID_ARGUMENT with a BadRequest violation naming the
// field, exactly one ErrorInfo, no leaked internals, and write nothing.

interface Clients {
  workspaces: Client<typeof WorkspaceService>;
  members: Client<typeof MemberService>;
  projects: Client<typeof ProjectService>;
  tasks: Client<typeof TaskService>;
  changes: Client<typeof ChangeService>;
}

interface Fixture {
  ws: string;
  parent: string;
  /** A project of this workspace. */
  project: string;
  /** A task of this workspace, without a due date. */
  task: string;
  /** A project of a workspace the caller is not in. */
  foreignProject: string;
  /** A task of a workspace the caller is not in. */
  foreignTask: string;
}

interface Case {
  rule: string;
  /** The field the violation must name. */
  field: string | RegExp;
  call: (c: Clients, f: Fixture) => Promise<unknown>;
}

const long = (n: number, c = "x") => c.repeat(n);
const uuid = () => randomUUID();
const date = (year: number, month: number, day: number) => ({ year, month, day });

/**
 * A page token as a client could forge one: the format is plain base64url JSON and the query
 * fingerprint is an unsalted hash of the query, so anyone can make one with any key.
 */
const forgedToken = (scope: string, query: unknown, key: unknown) =>
  Buffer.from(
    JSON.stringify({
      w: scope,
      q: createHash("sha256").update(JSON.stringify(query)).digest("base64url").slice(0, 16),
      k: key,
    }),
  ).toString("base64url");
const isoNow = "2030-01-01T00:00:00.000Z";

/** Drains a server stream, giving up after a while (a valid request streams forever). */
async function drain(stream: AsyncIterable<unknown>) {
  for await (const _ of stream) {
    // a valid request would land here; the case then fails on the missing error
  }
}

const cases: Case[] = [
  // WorkspaceService
  {
    rule: "CreateWorkspace workspace required",
    field: "workspace",
    call: (c) => c.workspaces.createWorkspace({}),
  },
  {
    rule: "CreateWorkspace display_name max_len 200",
    field: "workspace.display_name",
    call: (c) => c.workspaces.createWorkspace({ workspace: { displayName: long(201) } }),
  },
  {
    rule: "CreateWorkspace display_name control characters",
    field: "workspace.display_name",
    call: (c) => c.workspaces.createWorkspace({ workspace: { displayName: "a\u0007b" } }),
  },
  {
    rule: "CreateWorkspace display_name empty after trim (domain)",
    field: "workspace.display_name",
    call: (c) => c.workspaces.createWorkspace({ workspace: { displayName: "   " } }),
  },
  {
    rule: "CreateWorkspace request_id uuid",
    field: "request_id",
    call: (c) =>
      c.workspaces.createWorkspace({ workspace: { displayName: "ok" }, requestId: "not-a-uuid" }),
  },
  {
    rule: "GetWorkspace name pattern",
    field: "name",
    call: (c) => c.workspaces.getWorkspace({ name: "workspaces/ABC" }),
  },
  {
    rule: "GetWorkspace name empty",
    field: "name",
    call: (c) => c.workspaces.getWorkspace({ name: "" }),
  },
  {
    rule: "GetWorkspace name with a suffix",
    field: "name",
    call: (c, f) => c.workspaces.getWorkspace({ name: `${f.parent}/tasks` }),
  },
  {
    rule: "ListWorkspaces page_size <= 1000",
    field: "page_size",
    call: (c) => c.workspaces.listWorkspaces({ pageSize: 1001 }),
  },
  {
    rule: "ListWorkspaces page_size >= 0",
    field: "page_size",
    call: (c) => c.workspaces.listWorkspaces({ pageSize: -1 }),
  },
  {
    rule: "ListWorkspaces page_token max_len",
    field: "page_token",
    call: (c) => c.workspaces.listWorkspaces({ pageToken: long(1025) }),
  },
  {
    rule: "ListWorkspaces page_token garbage (domain)",
    field: "page_token",
    call: (c) => c.workspaces.listWorkspaces({ pageToken: "garbage!" }),
  },
  {
    rule: "UpdateWorkspace workspace required",
    field: "workspace",
    call: (c) => c.workspaces.updateWorkspace({}),
  },
  {
    rule: "UpdateWorkspace name required",
    field: /^workspace(\.name)?$/,
    call: (c) => c.workspaces.updateWorkspace({ workspace: { displayName: "x" } }),
  },
  {
    rule: "UpdateWorkspace name pattern",
    field: "workspace.name",
    call: (c) =>
      c.workspaces.updateWorkspace({ workspace: { name: "workspaces/x", displayName: "x" } }),
  },
  {
    rule: "UpdateWorkspace update_mask paths",
    field: "update_mask",
    call: (c, f) =>
      c.workspaces.updateWorkspace({
        workspace: { name: f.parent, displayName: "x" },
        updateMask: { paths: ["name"] },
      }),
  },
  {
    rule: "UpdateWorkspace display_name max_len",
    field: "workspace.display_name",
    call: (c, f) =>
      c.workspaces.updateWorkspace({ workspace: { name: f.parent, displayName: long(201) } }),
  },
  {
    rule: "UpdateWorkspace display_name empty (domain)",
    field: "workspace.display_name",
    call: (c, f) =>
      c.workspaces.updateWorkspace({
        workspace: { name: f.parent, displayName: " " },
        updateMask: { paths: ["display_name"] },
      }),
  },

  // MemberService
  {
    rule: "CreateMember parent pattern",
    field: "parent",
    call: (c) =>
      c.members.createMember({ parent: "workspaces/1", member: { user: "u", role: Role.MEMBER } }),
  },
  {
    rule: "CreateMember member required",
    field: "member",
    call: (c, f) => c.members.createMember({ parent: f.parent }),
  },
  {
    rule: "CreateMember user pattern (space)",
    field: "member.user",
    call: (c, f) =>
      c.members.createMember({ parent: f.parent, member: { user: "bad user", role: Role.MEMBER } }),
  },
  {
    rule: "CreateMember user pattern (leading dash)",
    field: "member.user",
    call: (c, f) =>
      c.members.createMember({ parent: f.parent, member: { user: "-bob", role: Role.MEMBER } }),
  },
  {
    rule: "CreateMember user max length",
    field: "member.user",
    call: (c, f) =>
      c.members.createMember({
        parent: f.parent,
        member: { user: long(129, "u"), role: Role.MEMBER },
      }),
  },
  {
    rule: "CreateMember user required (domain)",
    field: "member.user",
    call: (c, f) => c.members.createMember({ parent: f.parent, member: { role: Role.MEMBER } }),
  },
  {
    rule: "CreateMember role defined_only",
    field: "member.role",
    call: (c, f) =>
      c.members.createMember({ parent: f.parent, member: { user: "v-new", role: 99 as Role } }),
  },
  {
    rule: "CreateMember role unspecified (domain)",
    field: "member.role",
    call: (c, f) => c.members.createMember({ parent: f.parent, member: { user: "v-new" } }),
  },
  {
    rule: "GetMember name pattern (no user)",
    field: "name",
    call: (c, f) => c.members.getMember({ name: `${f.parent}/members/` }),
  },
  {
    rule: "GetMember name pattern (bad user)",
    field: "name",
    call: (c, f) => c.members.getMember({ name: `${f.parent}/members/a b` }),
  },
  {
    rule: "ListMembers parent pattern",
    field: "parent",
    call: (c) => c.members.listMembers({ parent: "workspace/x" }),
  },
  {
    rule: "ListMembers page_size <= 1000",
    field: "page_size",
    call: (c, f) => c.members.listMembers({ parent: f.parent, pageSize: 1001 }),
  },
  {
    rule: "ListMembers page_token max_len",
    field: "page_token",
    call: (c, f) => c.members.listMembers({ parent: f.parent, pageToken: long(1025) }),
  },
  {
    rule: "ListMembers page_token garbage (domain)",
    field: "page_token",
    call: (c, f) => c.members.listMembers({ parent: f.parent, pageToken: "eyJ3IjoiYSJ9" }),
  },
  {
    rule: "UpdateMember member required",
    field: "member",
    call: (c) => c.members.updateMember({}),
  },
  {
    rule: "UpdateMember name required",
    field: /^member(\.name)?$/,
    call: (c) => c.members.updateMember({ member: { role: Role.ADMIN } }),
  },
  {
    rule: "UpdateMember update_mask paths",
    field: "update_mask",
    call: (c, f) =>
      c.members.updateMember({
        member: { name: `${f.parent}/members/v-bob`, role: Role.ADMIN },
        updateMask: { paths: ["user"] },
      }),
  },
  {
    rule: "UpdateMember role defined_only",
    field: "member.role",
    call: (c, f) =>
      c.members.updateMember({ member: { name: `${f.parent}/members/v-bob`, role: 7 as Role } }),
  },
  {
    rule: "UpdateMember role unspecified (domain)",
    field: "member.role",
    call: (c, f) => c.members.updateMember({ member: { name: `${f.parent}/members/v-bob` } }),
  },
  {
    rule: "DeleteMember name pattern",
    field: "name",
    call: (c, f) => c.members.deleteMember({ name: `${f.parent}/users/v-bob` }),
  },
  {
    rule: "DeleteMember etag max_len",
    field: "etag",
    call: (c, f) => c.members.deleteMember({ name: `${f.parent}/members/v-bob`, etag: long(65) }),
  },

  // ProjectService
  {
    rule: "CreateProject parent pattern",
    field: "parent",
    call: (c) => c.projects.createProject({ parent: "workspaces/", project: { displayName: "x" } }),
  },
  {
    rule: "CreateProject project required",
    field: "project",
    call: (c, f) => c.projects.createProject({ parent: f.parent }),
  },
  {
    rule: "CreateProject display_name max_len",
    field: "project.display_name",
    call: (c, f) =>
      c.projects.createProject({ parent: f.parent, project: { displayName: long(201) } }),
  },
  {
    rule: "CreateProject display_name control characters",
    field: "project.display_name",
    call: (c, f) =>
      c.projects.createProject({ parent: f.parent, project: { displayName: "two\nlines" } }),
  },
  {
    rule: "CreateProject display_name empty (domain)",
    field: "project.display_name",
    call: (c, f) => c.projects.createProject({ parent: f.parent, project: { displayName: "" } }),
  },
  {
    rule: "CreateProject description max_len",
    field: "project.description",
    call: (c, f) =>
      c.projects.createProject({
        parent: f.parent,
        project: { displayName: "x", description: long(10_001) },
      }),
  },
  {
    rule: "CreateProject description control characters (domain)",
    field: "project.description",
    call: (c, f) =>
      c.projects.createProject({
        parent: f.parent,
        project: { displayName: "x", description: "nul\u0000here" },
      }),
  },
  {
    rule: "CreateProject request_id uuid",
    field: "request_id",
    call: (c, f) =>
      c.projects.createProject({
        parent: f.parent,
        project: { displayName: "x" },
        requestId: "123",
      }),
  },
  {
    rule: "CreateProject project.name pattern",
    field: "project.name",
    call: (c, f) =>
      c.projects.createProject({
        parent: f.parent,
        project: { displayName: "x", name: "projects/1" },
      }),
  },
  {
    rule: "CreateProject project.etag max_len",
    field: "project.etag",
    call: (c, f) =>
      c.projects.createProject({ parent: f.parent, project: { displayName: "x", etag: long(65) } }),
  },
  {
    rule: "GetProject name pattern (a task name)",
    field: "name",
    call: (c, f) => c.projects.getProject({ name: f.task }),
  },
  {
    rule: "ListProjects parent pattern",
    field: "parent",
    call: (c, f) => c.projects.listProjects({ parent: `${f.parent}/` }),
  },
  {
    rule: "ListProjects page_size <= 1000",
    field: "page_size",
    call: (c, f) => c.projects.listProjects({ parent: f.parent, pageSize: 5000 }),
  },
  {
    rule: "ListProjects page_token max_len",
    field: "page_token",
    call: (c, f) => c.projects.listProjects({ parent: f.parent, pageToken: long(1025) }),
  },
  {
    rule: "ListProjects page_token garbage (domain)",
    field: "page_token",
    call: (c, f) => c.projects.listProjects({ parent: f.parent, pageToken: "%%%" }),
  },
  {
    rule: "UpdateProject project required",
    field: "project",
    call: (c) => c.projects.updateProject({}),
  },
  {
    rule: "UpdateProject name required",
    field: /^project(\.name)?$/,
    call: (c) => c.projects.updateProject({ project: { displayName: "x" } }),
  },
  {
    rule: "UpdateProject update_mask paths",
    field: "update_mask",
    call: (c, f) =>
      c.projects.updateProject({
        project: { name: f.project, displayName: "x" },
        updateMask: { paths: ["state"] },
      }),
  },
  {
    rule: "UpdateProject display_name empty (domain)",
    field: "project.display_name",
    call: (c, f) =>
      c.projects.updateProject({
        project: { name: f.project, displayName: "  " },
        updateMask: { paths: ["display_name"] },
      }),
  },
  {
    rule: "UpdateProject display_name control characters",
    field: "project.display_name",
    call: (c, f) =>
      c.projects.updateProject({ project: { name: f.project, displayName: "tab\there" } }),
  },
  {
    rule: "ArchiveProject name pattern",
    field: "name",
    call: (c, f) => c.projects.archiveProject({ name: `${f.parent}/projects/not-a-uuid` }),
  },
  {
    rule: "ArchiveProject etag max_len",
    field: "etag",
    call: (c, f) => c.projects.archiveProject({ name: f.project, etag: long(65) }),
  },
  {
    rule: "UnarchiveProject name pattern",
    field: "name",
    call: (c, f) => c.projects.unarchiveProject({ name: f.parent }),
  },
  {
    rule: "UnarchiveProject etag max_len",
    field: "etag",
    call: (c, f) => c.projects.unarchiveProject({ name: f.project, etag: long(65) }),
  },
  {
    rule: "DeleteProject name pattern",
    field: "name",
    call: (c, f) => c.projects.deleteProject({ name: f.project.toUpperCase() }),
  },
  {
    rule: "DeleteProject etag max_len",
    field: "etag",
    call: (c, f) => c.projects.deleteProject({ name: f.project, etag: long(65), force: true }),
  },

  // TaskService: CreateTask, contract rules
  {
    rule: "CreateTask parent pattern",
    field: "parent",
    call: (c) => c.tasks.createTask({ parent: "tasks", task: { title: "x" } }),
  },
  {
    rule: "CreateTask task required",
    field: "task",
    call: (c, f) => c.tasks.createTask({ parent: f.parent }),
  },
  {
    rule: "CreateTask title max_len 500",
    field: "task.title",
    call: (c, f) => c.tasks.createTask({ parent: f.parent, task: { title: long(501) } }),
  },
  {
    rule: "CreateTask title newline",
    field: "task.title",
    call: (c, f) => c.tasks.createTask({ parent: f.parent, task: { title: "a\nb" } }),
  },
  {
    rule: "CreateTask title DEL",
    field: "task.title",
    call: (c, f) => c.tasks.createTask({ parent: f.parent, task: { title: "a\u007fb" } }),
  },
  {
    rule: "CreateTask title NUL",
    field: "task.title",
    call: (c, f) => c.tasks.createTask({ parent: f.parent, task: { title: "a\u0000b" } }),
  },
  {
    rule: "CreateTask notes max_len",
    field: "task.notes",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: "x", notes: long(20_001) } }),
  },
  {
    rule: "CreateTask priority defined_only",
    field: "task.priority",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: "x", priority: 9 as Priority } }),
  },
  {
    rule: "CreateTask due.date required",
    field: "task.due.date",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", due: { time: { hours: 9 }, timeZone: "UTC" } },
      }),
  },
  {
    rule: "CreateTask due time without time_zone",
    field: /^task\.due(\.time_zone)?$/,
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", due: { date: date(2030, 1, 1), time: { hours: 9 } } },
      }),
  },
  {
    rule: "CreateTask due.time_zone max_len",
    field: "task.due.time_zone",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: {
          title: "x",
          due: { date: date(2030, 1, 1), time: { hours: 9 }, timeZone: long(65, "A") },
        },
      }),
  },
  {
    rule: "CreateTask recurrence max_len",
    field: "task.recurrence",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: {
          title: "x",
          due: { date: date(2030, 1, 1) },
          recurrence: `FREQ=DAILY;${long(500)}`,
        },
      }),
  },
  {
    rule: "CreateTask labels max_items 20",
    field: "task.labels",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", labels: Array.from({ length: 21 }, (_, i) => `l${i}`) },
      }),
  },
  {
    rule: "CreateTask label with a space",
    field: "task.labels[1]",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: "x", labels: ["ok", "has space"] } }),
  },
  {
    rule: "CreateTask label with @",
    field: "task.labels[0]",
    call: (c, f) => c.tasks.createTask({ parent: f.parent, task: { title: "x", labels: ["a@b"] } }),
  },
  {
    rule: "CreateTask label with #",
    field: "task.labels[0]",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: "x", labels: ["#tag"] } }),
  },
  {
    rule: "CreateTask label with a comma",
    field: "task.labels[0]",
    call: (c, f) => c.tasks.createTask({ parent: f.parent, task: { title: "x", labels: ["a,b"] } }),
  },
  {
    rule: "CreateTask label empty",
    field: "task.labels[0]",
    call: (c, f) => c.tasks.createTask({ parent: f.parent, task: { title: "x", labels: [""] } }),
  },
  {
    rule: "CreateTask label over 64 characters",
    field: "task.labels[0]",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: "x", labels: [long(65)] } }),
  },
  {
    rule: "CreateTask project pattern",
    field: "task.project",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: "x", project: "projects/1" } }),
  },
  {
    rule: "CreateTask project is a task name",
    field: "task.project",
    call: (c, f) => c.tasks.createTask({ parent: f.parent, task: { title: "x", project: f.task } }),
  },
  {
    rule: "CreateTask duration >= 60s",
    field: "task.duration",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: "x", duration: { seconds: 30n } } }),
  },
  {
    rule: "CreateTask duration <= 30 days",
    field: "task.duration",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", duration: { seconds: 2_592_060n } },
      }),
  },
  {
    rule: "CreateTask assignee pattern",
    field: "task.assignee",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: "x", assignee: "bad user!" } }),
  },
  {
    rule: "CreateTask request_id uuid",
    field: "request_id",
    call: (c, f) => c.tasks.createTask({ parent: f.parent, task: { title: "x" }, requestId: "x" }),
  },
  {
    rule: "CreateTask task.name pattern",
    field: "task.name",
    call: (c, f) => c.tasks.createTask({ parent: f.parent, task: { title: "x", name: "tasks/1" } }),
  },
  {
    rule: "CreateTask task.etag max_len",
    field: "task.etag",
    call: (c, f) => c.tasks.createTask({ parent: f.parent, task: { title: "x", etag: long(65) } }),
  },
  {
    rule: "CreateTask source.text max_len",
    field: "task.source.text",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: "x", source: { text: long(2001) } } }),
  },
  {
    rule: "CreateTask source.reference_time pattern",
    field: "task.source.reference_time",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", source: { text: "x", referenceTime: "yesterday" } },
      }),
  },
  {
    rule: "CreateTask source.time_zone max_len",
    field: "task.source.time_zone",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", source: { text: "x", timeZone: long(65) } },
      }),
  },
  {
    rule: "CreateTask source.parser_version max_len",
    field: "task.source.parser_version",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", source: { text: "x", parserVersion: long(65) } },
      }),
  },

  // TaskService: CreateTask, domain rules
  {
    rule: "CreateTask title empty (domain)",
    field: "task.title",
    call: (c, f) => c.tasks.createTask({ parent: f.parent, task: { title: "" } }),
  },
  {
    rule: "CreateTask title empty after trim (domain)",
    field: "task.title",
    call: (c, f) => c.tasks.createTask({ parent: f.parent, task: { title: "  \u3000 " } }),
  },
  {
    rule: "CreateTask notes control characters (domain)",
    field: "task.notes",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: "x", notes: "bell\u0007" } }),
  },
  {
    rule: "CreateTask time_zone without time (domain)",
    field: "task.due.time_zone",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", due: { date: date(2030, 1, 1), timeZone: "UTC" } },
      }),
  },
  {
    rule: "CreateTask unknown time zone (domain)",
    field: "task.due.time_zone",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: {
          title: "x",
          due: { date: date(2030, 1, 1), time: { hours: 9 }, timeZone: "Mars/Olympus_Mons" },
        },
      }),
  },
  {
    rule: "CreateTask time zone with odd characters (domain)",
    field: "task.due.time_zone",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: {
          title: "x",
          due: { date: date(2030, 1, 1), time: { hours: 9 }, timeZone: "Europe/Berlin;drop" },
        },
      }),
  },
  {
    rule: "CreateTask Feb 30 (domain)",
    field: "task.due.date",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", due: { date: date(2030, 2, 30) } },
      }),
  },
  {
    rule: "CreateTask Feb 29 of a common year (domain)",
    field: "task.due.date",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", due: { date: date(2031, 2, 29) } },
      }),
  },
  {
    rule: "CreateTask month 13 (domain)",
    field: "task.due.date",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", due: { date: date(2030, 13, 1) } },
      }),
  },
  {
    rule: "CreateTask year 0 (domain)",
    field: "task.due.date",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: "x", due: { date: date(0, 1, 1) } } }),
  },
  {
    rule: "CreateTask hour 25 (domain)",
    field: "task.due.time",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", due: { date: date(2030, 1, 1), time: { hours: 25 }, timeZone: "UTC" } },
      }),
  },
  {
    rule: "CreateTask negative minutes (domain)",
    field: "task.due.time",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: {
          title: "x",
          due: { date: date(2030, 1, 1), time: { hours: 9, minutes: -1 }, timeZone: "UTC" },
        },
      }),
  },
  {
    rule: "CreateTask recurrence without due (domain)",
    field: "task.recurrence",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: "x", recurrence: "FREQ=DAILY" } }),
  },
  {
    rule: "CreateTask RRULE unknown FREQ (domain)",
    field: "task.recurrence",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", due: { date: date(2030, 1, 1) }, recurrence: "FREQ=SOMETIMES" },
      }),
  },
  {
    rule: "CreateTask RRULE FREQ=HOURLY (domain)",
    field: "task.recurrence",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", due: { date: date(2030, 1, 1) }, recurrence: "FREQ=HOURLY" },
      }),
  },
  {
    rule: "CreateTask RRULE unsupported part (domain)",
    field: "task.recurrence",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", due: { date: date(2030, 1, 1) }, recurrence: "FREQ=DAILY;BYHOUR=9" },
      }),
  },
  {
    rule: "CreateTask RRULE INTERVAL=0 (domain)",
    field: "task.recurrence",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", due: { date: date(2030, 1, 1) }, recurrence: "FREQ=DAILY;INTERVAL=0" },
      }),
  },
  {
    rule: "CreateTask RRULE COUNT=0 (domain)",
    field: "task.recurrence",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", due: { date: date(2030, 1, 1) }, recurrence: "FREQ=DAILY;COUNT=0" },
      }),
  },
  {
    rule: "CreateTask RRULE without FREQ (domain)",
    field: "task.recurrence",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", due: { date: date(2030, 1, 1) }, recurrence: "INTERVAL=2" },
      }),
  },
  {
    rule: "CreateTask RRULE garbage (domain)",
    field: "task.recurrence",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", due: { date: date(2030, 1, 1) }, recurrence: "every day" },
      }),
  },
  {
    rule: "CreateTask duration not whole minutes (domain)",
    field: "task.duration",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: "x", duration: { seconds: 90n } } }),
  },
  {
    rule: "CreateTask duration with nanos (domain)",
    field: "task.duration",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", duration: { seconds: 60n, nanos: 500_000_000 } },
      }),
  },
  {
    rule: "CreateTask project from another workspace (domain)",
    field: "task.project",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: "x", project: f.foreignProject } }),
  },
  {
    rule: "CreateTask project that does not exist (domain)",
    field: "task.project",
    call: (c, f) =>
      c.tasks.createTask({
        parent: f.parent,
        task: { title: "x", project: `${f.parent}/projects/${uuid()}` },
      }),
  },
  {
    rule: "CreateTask assignee not a member (domain)",
    field: "task.assignee",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: "x", assignee: "v-stranger" } }),
  },
  {
    rule: "CreateTask with request_id, invalid (domain)",
    field: "task.title",
    call: (c, f) =>
      c.tasks.createTask({ parent: f.parent, task: { title: " " }, requestId: uuid() }),
  },

  // TaskService: other methods
  {
    rule: "GetTask name pattern",
    field: "name",
    call: (c, f) => c.tasks.getTask({ name: `${f.parent}/tasks/1` }),
  },
  {
    rule: "GetTask name is a project",
    field: "name",
    call: (c, f) => c.tasks.getTask({ name: f.project }),
  },
  {
    rule: "BatchGetTasks parent pattern",
    field: "parent",
    call: (c, f) => c.tasks.batchGetTasks({ parent: "x", names: [f.task] }),
  },
  {
    rule: "BatchGetTasks names min_items",
    field: "names",
    call: (c, f) => c.tasks.batchGetTasks({ parent: f.parent, names: [] }),
  },
  {
    rule: "BatchGetTasks names max_items",
    field: "names",
    call: (c, f) =>
      c.tasks.batchGetTasks({ parent: f.parent, names: Array.from({ length: 101 }, () => f.task) }),
  },
  {
    rule: "BatchGetTasks names item pattern",
    field: "names[1]",
    call: (c, f) => c.tasks.batchGetTasks({ parent: f.parent, names: [f.task, f.project] }),
  },
  {
    rule: "BatchGetTasks name in another workspace (domain)",
    field: "names[0]",
    call: (c, f) => c.tasks.batchGetTasks({ parent: f.parent, names: [f.foreignTask] }),
  },
  {
    rule: "ListTasks parent pattern",
    field: "parent",
    call: (c, f) => c.tasks.listTasks({ parent: `${f.parent}/tasks` }),
  },
  {
    rule: "ListTasks page_size <= 1000",
    field: "page_size",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, pageSize: 1001 }),
  },
  {
    rule: "ListTasks page_size >= 0",
    field: "page_size",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, pageSize: -5 }),
  },
  {
    rule: "ListTasks page_token max_len",
    field: "page_token",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, pageToken: long(1025) }),
  },
  {
    rule: "ListTasks page_token garbage (domain)",
    field: "page_token",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, pageToken: "abc" }),
  },
  {
    rule: "ListTasks page_token forged (domain)",
    field: "page_token",
    call: (c, f) =>
      c.tasks.listTasks({
        parent: f.parent,
        pageToken: Buffer.from(
          JSON.stringify({ w: f.ws, q: "x", k: { key: 1, id: "y" } }),
        ).toString("base64url"),
      }),
  },
  {
    rule: "ListTasks forged page_token, key not a time (domain)",
    field: "page_token",
    call: (c, f) =>
      c.tasks.listTasks({
        parent: f.parent,
        pageToken: forgedToken(f.ws, ["", "", false], { key: "yesterday", id: uuid() }),
      }),
  },
  {
    rule: "ListTasks forged page_token, number key for a time order (domain)",
    field: "page_token",
    call: (c, f) =>
      c.tasks.listTasks({
        parent: f.parent,
        pageToken: forgedToken(f.ws, ["", "", false], { key: 3, id: uuid() }),
      }),
  },
  {
    rule: "ListTasks forged page_token, id not a UUID (domain)",
    field: "page_token",
    call: (c, f) =>
      c.tasks.listTasks({
        parent: f.parent,
        pageToken: forgedToken(f.ws, ["", "", false], { key: isoNow, id: "1 or 1=1" }),
      }),
  },
  {
    rule: "ListTasks forged page_token, bad priority key (domain)",
    field: "page_token",
    call: (c, f) =>
      c.tasks.listTasks({
        parent: f.parent,
        orderBy: "priority",
        pageToken: forgedToken(f.ws, ["", "priority", false], { key: "high", id: uuid() }),
      }),
  },
  {
    rule: "ListTasks forged page_token, priority key out of range (domain)",
    field: "page_token",
    call: (c, f) =>
      c.tasks.listTasks({
        parent: f.parent,
        orderBy: "priority",
        pageToken: forgedToken(f.ws, ["", "priority", false], { key: 1e9, id: uuid() }),
      }),
  },
  {
    rule: "ListTasks forged page_token, bad due key (domain)",
    field: "page_token",
    call: (c, f) =>
      c.tasks.listTasks({
        parent: f.parent,
        orderBy: "due desc",
        pageToken: forgedToken(f.ws, ["", "due desc", false], { key: "2030-02-30", id: uuid() }),
      }),
  },
  {
    rule: "ListProjects forged page_token, key not a time (domain)",
    field: "page_token",
    call: (c, f) =>
      c.projects.listProjects({
        parent: f.parent,
        pageToken: forgedToken(f.ws, [false], { createTime: "soon", id: uuid() }),
      }),
  },
  {
    rule: "ListProjects forged page_token, id not a UUID (domain)",
    field: "page_token",
    call: (c, f) =>
      c.projects.listProjects({
        parent: f.parent,
        pageToken: forgedToken(f.ws, [false], { createTime: isoNow, id: "x" }),
      }),
  },
  {
    rule: "ListWorkspaces forged page_token, key not a UUID (domain)",
    field: "page_token",
    call: (c) =>
      c.workspaces.listWorkspaces({ pageToken: forgedToken("user:v-owner", [], "not-a-uuid") }),
  },
  {
    rule: "ListTasks filter max_len",
    field: "filter",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, filter: `text = "${long(2050)}"` }),
  },
  {
    rule: "ListTasks order_by max_len",
    field: "order_by",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, orderBy: long(65) }),
  },
  {
    rule: "ListTasks filter unknown state (domain)",
    field: "filter",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, filter: "state = BOGUS" }),
  },
  {
    rule: "ListTasks filter unknown field (domain)",
    field: "filter",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, filter: "colour = red" }),
  },
  {
    rule: "ListTasks filter unbalanced ( (domain)",
    field: "filter",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, filter: "(state = OPEN" }),
  },
  {
    rule: "ListTasks filter unbalanced ) (domain)",
    field: "filter",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, filter: "state = OPEN)" }),
  },
  {
    rule: "ListTasks filter bad date (domain)",
    field: "filter",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, filter: 'due < "2030-02-30"' }),
  },
  {
    rule: "ListTasks filter priority out of range (domain)",
    field: "filter",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, filter: "priority = 9" }),
  },
  {
    rule: "ListTasks filter unterminated string (domain)",
    field: "filter",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, filter: 'text = "open' }),
  },
  {
    rule: "ListTasks filter ordering on state (domain)",
    field: "filter",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, filter: "state < OPEN" }),
  },
  {
    rule: "ListTasks filter dangling AND (domain)",
    field: "filter",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, filter: "state = OPEN AND" }),
  },
  {
    rule: "ListTasks filter bad project name (domain)",
    field: "filter",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, filter: 'project = "projects/1"' }),
  },
  {
    rule: "ListTasks filter SQL-ish input (domain)",
    field: "filter",
    call: (c, f) =>
      c.tasks.listTasks({ parent: f.parent, filter: "state = OPEN; drop table core.tasks" }),
  },
  {
    rule: "ListTasks filter too many terms (domain)",
    field: "filter",
    call: (c, f) =>
      c.tasks.listTasks({
        parent: f.parent,
        filter: Array.from({ length: 51 }, () => "state = OPEN").join(" OR "),
      }),
  },
  {
    rule: "ListTasks filter nested too deeply (domain)",
    field: "filter",
    call: (c, f) =>
      c.tasks.listTasks({
        parent: f.parent,
        filter: `${"(".repeat(14)}state = OPEN${")".repeat(14)}`,
      }),
  },
  {
    rule: "ListTasks order_by unknown field (domain)",
    field: "order_by",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, orderBy: "title" }),
  },
  {
    rule: "ListTasks order_by bad direction (domain)",
    field: "order_by",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, orderBy: "priority sideways" }),
  },
  {
    rule: "ListTasks order_by two fields (domain)",
    field: "order_by",
    call: (c, f) => c.tasks.listTasks({ parent: f.parent, orderBy: "priority, due" }),
  },
  { rule: "UpdateTask task required", field: "task", call: (c) => c.tasks.updateTask({}) },
  {
    rule: "UpdateTask name required",
    field: /^task(\.name)?$/,
    call: (c) => c.tasks.updateTask({ task: { title: "x" } }),
  },
  {
    rule: "UpdateTask name pattern",
    field: "task.name",
    call: (c, f) => c.tasks.updateTask({ task: { name: f.project, title: "x" } }),
  },
  {
    rule: "UpdateTask update_mask state",
    field: "update_mask",
    call: (c, f) =>
      c.tasks.updateTask({ task: { name: f.task, title: "x" }, updateMask: { paths: ["state"] } }),
  },
  {
    rule: "UpdateTask update_mask etag",
    field: "update_mask",
    call: (c, f) =>
      c.tasks.updateTask({
        task: { name: f.task, title: "x" },
        updateMask: { paths: ["title", "etag"] },
      }),
  },
  {
    rule: "UpdateTask update_mask nested path",
    field: "update_mask",
    call: (c, f) =>
      c.tasks.updateTask({
        task: { name: f.task, title: "x" },
        updateMask: { paths: ["due.date"] },
      }),
  },
  {
    rule: "UpdateTask title max_len",
    field: "task.title",
    call: (c, f) =>
      c.tasks.updateTask({
        task: { name: f.task, title: long(501) },
        updateMask: { paths: ["title"] },
      }),
  },
  {
    rule: "UpdateTask title empty (domain)",
    field: "task.title",
    call: (c, f) =>
      c.tasks.updateTask({
        task: { name: f.task, title: "   " },
        updateMask: { paths: ["title"] },
      }),
  },
  {
    rule: "UpdateTask title empty via empty mask (domain)",
    field: "task.title",
    call: (c, f) => c.tasks.updateTask({ task: { name: f.task } }),
  },
  {
    rule: "UpdateTask labels max_items",
    field: "task.labels",
    call: (c, f) =>
      c.tasks.updateTask({
        task: { name: f.task, labels: Array.from({ length: 21 }, (_, i) => `l${i}`) },
        updateMask: { paths: ["labels"] },
      }),
  },
  {
    rule: "UpdateTask recurrence without due (domain)",
    field: "task.recurrence",
    call: (c, f) =>
      c.tasks.updateTask({
        task: { name: f.task, recurrence: "FREQ=WEEKLY" },
        updateMask: { paths: ["recurrence"] },
      }),
  },
  {
    rule: "UpdateTask Feb 30 (domain)",
    field: "task.due.date",
    call: (c, f) =>
      c.tasks.updateTask({
        task: { name: f.task, due: { date: date(2030, 2, 30) } },
        updateMask: { paths: ["due"] },
      }),
  },
  {
    rule: "UpdateTask duration not whole minutes (domain)",
    field: "task.duration",
    call: (c, f) =>
      c.tasks.updateTask({
        task: { name: f.task, duration: { seconds: 61n } },
        updateMask: { paths: ["duration"] },
      }),
  },
  {
    rule: "UpdateTask project from another workspace (domain)",
    field: "task.project",
    call: (c, f) =>
      c.tasks.updateTask({
        task: { name: f.task, project: f.foreignProject },
        updateMask: { paths: ["project"] },
      }),
  },
  {
    rule: "UpdateTask assignee not a member (domain)",
    field: "task.assignee",
    call: (c, f) =>
      c.tasks.updateTask({
        task: { name: f.task, assignee: "v-stranger" },
        updateMask: { paths: ["assignee"] },
      }),
  },
  {
    rule: "CompleteTask name pattern",
    field: "name",
    call: (c, f) => c.tasks.completeTask({ name: `${f.task}/x` }),
  },
  {
    rule: "CompleteTask etag max_len",
    field: "etag",
    call: (c, f) => c.tasks.completeTask({ name: f.task, etag: long(65) }),
  },
  { rule: "ReopenTask name pattern", field: "name", call: (c) => c.tasks.reopenTask({ name: "" }) },
  {
    rule: "CancelTask name pattern",
    field: "name",
    call: (c, f) => c.tasks.cancelTask({ name: f.project }),
  },
  {
    rule: "CancelTask etag max_len",
    field: "etag",
    call: (c, f) => c.tasks.cancelTask({ name: f.task, etag: long(65) }),
  },
  {
    rule: "DeleteTask name pattern",
    field: "name",
    call: (c, f) => c.tasks.deleteTask({ name: ` ${f.task}` }),
  },
  {
    rule: "DeleteTask etag max_len",
    field: "etag",
    call: (c, f) => c.tasks.deleteTask({ name: f.task, etag: long(65) }),
  },
  {
    rule: "UndeleteTask name pattern",
    field: "name",
    call: (c, f) => c.tasks.undeleteTask({ name: f.parent }),
  },
  {
    rule: "UndeleteTask etag max_len",
    field: "etag",
    call: (c, f) => c.tasks.undeleteTask({ name: f.task, etag: long(65) }),
  },

  // ChangeService
  {
    rule: "ListChanges parent pattern",
    field: "parent",
    call: (c) => c.changes.listChanges({ parent: "workspaces/*" }),
  },
  {
    rule: "ListChanges start_after max_len",
    field: "start_after",
    call: (c, f) => c.changes.listChanges({ parent: f.parent, startAfter: long(65, "1") }),
  },
  {
    rule: "ListChanges page_size <= 1000",
    field: "page_size",
    call: (c, f) => c.changes.listChanges({ parent: f.parent, pageSize: 1001 }),
  },
  {
    rule: "ListChanges cursor not from the feed (domain)",
    field: "start_after",
    call: (c, f) => c.changes.listChanges({ parent: f.parent, startAfter: "abc" }),
  },
  {
    rule: "WatchChanges parent pattern",
    field: "parent",
    call: (c) => drain(c.changes.watchChanges({ parent: "workspaces/" }, { timeoutMs: 5_000 })),
  },
  {
    rule: "WatchChanges start_after max_len",
    field: "start_after",
    call: (c, f) =>
      drain(
        c.changes.watchChanges(
          { parent: f.parent, startAfter: long(65, "1") },
          { timeoutMs: 5_000 },
        ),
      ),
  },
  {
    rule: "WatchChanges cursor not from the feed (domain)",
    field: "start_after",
    call: (c, f) =>
      drain(c.changes.watchChanges({ parent: f.parent, startAfter: "-1" }, { timeoutMs: 5_000 })),
  },
];

describe("core input validation", () => {
  let core: CoreHarness;
  let db: Db;
  let clients: Clients;
  let fixture: Fixture;
  const tally = { tried: 0, accepted: 0, wrote: 0 };

  beforeAll(async () => {
    core = await startCoreHarness();
    db = await openDb(core.databaseUrl);
    const ws = await core.workspace("v-owner");
    const parent = `workspaces/${ws}`;
    clients = {
      workspaces: await core.client(WorkspaceService, "v-owner"),
      members: await core.client(MemberService, "v-owner"),
      projects: await core.client(ProjectService, "v-owner"),
      tasks: await core.client(TaskService, "v-owner"),
      changes: await core.client(ChangeService, "v-owner"),
    };
    await clients.members.createMember({ parent, member: { user: "v-bob", role: Role.MEMBER } });
    const project =
      (await clients.projects.createProject({ parent, project: { displayName: "P" } })).project
        ?.name ?? "";
    const task =
      (await clients.tasks.createTask({ parent, task: { title: "T" } })).task?.name ?? "";
    const otherWs = await core.workspace("v-other");
    const foreignProject =
      (
        await (
          await core.client(ProjectService, "v-other")
        ).createProject({
          parent: `workspaces/${otherWs}`,
          project: { displayName: "Theirs" },
        })
      ).project?.name ?? "";
    const foreignTask =
      (
        await (
          await core.client(TaskService, "v-other")
        ).createTask({
          parent: `workspaces/${otherWs}`,
          task: { title: "Theirs" },
        })
      ).task?.name ?? "";
    fixture = { ws, parent, project, task, foreignProject, foreignTask };
  });

  afterAll(async () => {
    console.log(
      `validation: tried ${tally.tried} invalid requests, accepted ${tally.accepted}, wrote ${tally.wrote}; ` +
        `${errorStats.checked} errors checked for leaks, ${errorStats.leaked} leaked`,
    );
    await db?.close();
    await core?.stop();
  });

  /** Row counts and version sums of every core table: any write moves one of them. */
  const state = async () => {
    const counts = await db.snapshot();
    const { rows } = await db.client.query(
      `select (select coalesce(sum(version), 0)::int from core.tasks) as task_versions,
              (select coalesce(sum(version), 0)::int from core.projects) as project_versions,
              (select coalesce(sum(version), 0)::int from core.members) as member_versions,
              (select coalesce(sum(version), 0)::int from core.workspaces) as workspace_versions,
              (select count(*)::int from core.projects where state = 'ARCHIVED') as archived,
              (select count(*)::int from core.tasks where delete_time is not null) as deleted`,
    );
    return { ...counts, ...rows[0] };
  };

  it("has a case for every rule it claims", () => {
    expect(new Set(cases.map((c) => c.rule)).size).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(150);
  });

  it.each(cases.map((c) => [c.rule, c] as const))("%s", async (_rule, testCase) => {
    const before = await state();
    tally.tried++;
    let err: Awaited<ReturnType<typeof expectInvalidArgument>>;
    try {
      err = await expectInvalidArgument(() => testCase.call(clients, fixture), testCase.field);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith("expected the call to fail")) tally.accepted++;
      throw e;
    }
    expect(err.code).toBe(Code.InvalidArgument);
    for (const violation of err.findDetails(BadRequestSchema).flatMap((b) => b.fieldViolations)) {
      expect(violation.description, violation.field).not.toBe("");
    }
    const after = await state();
    if (JSON.stringify(after) !== JSON.stringify(before)) tally.wrote++;
    expect(after).toEqual(before);
  });
});
