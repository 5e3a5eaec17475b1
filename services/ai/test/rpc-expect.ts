import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "@glidepath/contracts/google";
import { expect } from "vitest";

// Shared assertions for the ai integration suites: every error a test provokes is checked for
// its canonical code, exactly one ErrorInfo of the ai domain, and that nothing internal leaks.

/** Text that must never reach a client: stack frames, SQL, source paths, hosts. */
const leaks: [string, RegExp][] = [
  ["stack frame", / {4}at /],
  ["stack frame", /\n\s*at \S/],
  ["SQL select", /\bselect\s/i],
  ["SQL insert", /\binsert into\b/i],
  ["SQL relation", /\b(ai|core)\.(models|model_calibrations|tasks|projects|members|workspaces)\b/i],
  ["PostgreSQL error", /violates .* constraint|syntax error at or near|duplicate key value/i],
  ["file path", /\/work\//],
  ["file path", /\.ts:\d/],
  ["file path", /node_modules/],
  ["host", /127\.0\.0\.1|localhost/],
];

export function leaksIn(err: ConnectError): string[] {
  const texts = [err.message, err.rawMessage];
  for (const info of err.findDetails(ErrorInfoSchema)) {
    texts.push(info.reason, info.domain, ...Object.values(info.metadata));
  }
  for (const bad of err.findDetails(BadRequestSchema)) {
    for (const v of bad.fieldViolations) texts.push(v.field, v.description);
  }
  const found: string[] = [];
  for (const text of texts) {
    for (const [what, pattern] of leaks) if (pattern.test(text)) found.push(`${what}: ${text}`);
  }
  return found;
}

/** Awaits a call that must fail; returns its error (leak-checked). */
export async function rpcFailure(call: Promise<unknown> | (() => Promise<unknown>)) {
  let result: unknown;
  try {
    result = await (typeof call === "function" ? call() : call);
  } catch (e) {
    const err = ConnectError.from(e);
    expect(leaksIn(err)).toEqual([]);
    return err;
  }
  return expect.fail(`expected the call to fail, it answered ${JSON.stringify(result, replacer)}`);
}

export const replacer = (_key: string, value: unknown) =>
  typeof value === "bigint" ? value.toString() : value;

/** Fails unless the call fails with `code` (and `reason`), with one ErrorInfo of `domain`. */
export async function expectRpcError(
  call: Promise<unknown> | (() => Promise<unknown>),
  code: Code,
  reason?: string,
  domain = "ai.glidepath",
): Promise<ConnectError> {
  const err = await rpcFailure(call);
  expect(Code[err.code], `code of "${err.rawMessage}"`).toBe(Code[code]);
  const infos = err.findDetails(ErrorInfoSchema);
  expect(infos, "exactly one google.rpc.ErrorInfo").toHaveLength(1);
  expect(infos[0]?.domain).toBe(domain);
  expect(infos[0]?.reason).toMatch(/^[A-Z][A-Z0-9_]*$/);
  if (reason) expect(infos[0]?.reason).toBe(reason);
  return err;
}

/** INVALID_ARGUMENT with a BadRequest field violation naming `field`. */
export async function expectInvalidArgument(
  call: Promise<unknown> | (() => Promise<unknown>),
  field: string,
): Promise<ConnectError> {
  const err = await expectRpcError(call, Code.InvalidArgument);
  const names = err
    .findDetails(BadRequestSchema)
    .flatMap((b) => b.fieldViolations.map((v) => v.field));
  expect(names, `a violation naming ${field} in "${err.rawMessage}"`).toContain(field);
  return err;
}
