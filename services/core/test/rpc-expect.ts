import { type DescMessage, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "@glidepath/contracts/google";
import pg from "pg";
import { expect } from "vitest";

// Shared assertions for the core integration suites: every error a test provokes is checked for
// its canonical code, exactly one ErrorInfo, and that nothing internal leaks into its text.

/** Text that must never reach a client: stack frames, SQL, source paths, hosts. */
const leaks: [string, RegExp][] = [
  ["stack frame", / {4}at /],
  ["stack frame", /\n\s*at \S/],
  ["SQL select", /\bselect\s/i],
  ["SQL insert", /\binsert into\b/i],
  ["SQL update", /\bupdate core\./i],
  ["SQL delete", /\bdelete from\b/i],
  ["SQL relation", /\bcore\.(tasks|projects|members|workspaces|changes|request_ids)\b/i],
  ["PostgreSQL error", /violates .* constraint|syntax error at or near|duplicate key value/i],
  ["file path", /\/work\//],
  ["file path", /\.ts:\d/],
  ["file path", /node_modules/],
  ["host", /127\.0\.0\.1|localhost/],
];

/** How many errors this suite checked for leaks (each test file loads its own copy). */
export const errorStats = { checked: 0, leaked: 0 };

/** Fails when an error's message or any detail's text carries internals. */
export function expectNoLeaks(err: ConnectError): void {
  const texts = [err.message, err.rawMessage];
  for (const info of err.findDetails(ErrorInfoSchema)) {
    texts.push(info.reason, info.domain, ...Object.values(info.metadata));
  }
  for (const bad of err.findDetails(BadRequestSchema)) {
    for (const v of bad.fieldViolations) texts.push(v.field, v.description);
  }
  errorStats.checked++;
  for (const text of texts) {
    for (const [what, pattern] of leaks) {
      if (pattern.test(text)) {
        errorStats.leaked++;
        expect.fail(`error text leaks a ${what}: ${JSON.stringify(text)}`);
      }
    }
  }
}

/** Awaits a call that must fail; returns its error (leak-checked). */
export async function rpcFailure(call: Promise<unknown> | (() => Promise<unknown>)) {
  let result: unknown;
  try {
    result = await (typeof call === "function" ? call() : call);
  } catch (e) {
    const err = ConnectError.from(e);
    expectNoLeaks(err);
    return err;
  }
  return expect.fail(`expected the call to fail, it answered ${JSON.stringify(result, replacer)}`);
}

const replacer = (_key: string, value: unknown) =>
  typeof value === "bigint" ? value.toString() : value;

/**
 * Awaits a call that must fail with `code` (and `reason`, when given), carrying exactly one
 * ErrorInfo. Returns the error for further checks.
 */
export async function expectRpcError(
  call: Promise<unknown> | (() => Promise<unknown>),
  code: Code,
  reason?: string,
): Promise<ConnectError> {
  const err = await rpcFailure(call);
  expect(Code[err.code], `code of "${err.rawMessage}"`).toBe(Code[code]);
  const infos = err.findDetails(ErrorInfoSchema);
  expect(infos, "exactly one google.rpc.ErrorInfo").toHaveLength(1);
  expect(infos[0]?.domain).toBe("core.glidepath");
  expect(infos[0]?.reason).toMatch(/^[A-Z][A-Z0-9_]*$/);
  if (reason) expect(infos[0]?.reason).toBe(reason);
  return err;
}

/** INVALID_ARGUMENT with a BadRequest field violation naming `field` (exactly or by pattern). */
export async function expectInvalidArgument(
  call: Promise<unknown> | (() => Promise<unknown>),
  field: string | RegExp,
): Promise<ConnectError> {
  const err = await expectRpcError(call, Code.InvalidArgument);
  const fields = err.findDetails(BadRequestSchema).flatMap((b) => b.fieldViolations);
  expect(fields.length, `BadRequest violations of "${err.rawMessage}"`).toBeGreaterThan(0);
  const names = fields.map((v) => v.field);
  const matches = names.some((name) =>
    typeof field === "string" ? name === field : field.test(name),
  );
  expect(matches, `a violation naming ${String(field)}; got ${JSON.stringify(names)}`).toBe(true);
  return err;
}

/** The wire bytes of a message, as hex (to compare responses byte for byte); fails when missing. */
export function wire<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc> | undefined,
): string {
  expect(message, `a ${schema.typeName}`).toBeDefined();
  return Buffer.from(toBinary(schema, message as MessageShape<Desc>)).toString("hex");
}

/** A direct connection to the suite's database, for checking what was (not) written. */
export async function openDb(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return {
    client,
    async count(sql: string, values: unknown[] = []): Promise<number> {
      const { rows } = await client.query<{ n: number }>(`select (${sql})::int as n`, values);
      return rows[0]?.n ?? 0;
    },
    /** Row counts of every core table: a snapshot to compare before and after a call. */
    async snapshot(): Promise<Record<string, number>> {
      const tables = [
        "workspaces",
        "members",
        "projects",
        "tasks",
        "task_labels",
        "task_completions",
        "changes",
        "request_ids",
      ];
      const { rows } = await client.query<Record<string, number>>(
        `select ${tables.map((t) => `(select count(*)::int from core.${t}) as ${t}`).join(", ")}`,
      );
      return rows[0] ?? {};
    },
    close: () => client.end(),
  };
}

export type Db = Awaited<ReturnType<typeof openDb>>;
