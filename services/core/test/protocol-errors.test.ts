import { connect } from "node:http2";
import { fromBinary } from "@bufbuild/protobuf";
import { TaskService } from "@glidepath/contracts/core/v1";
import { ErrorInfoSchema, StatusSchema } from "@glidepath/contracts/google";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness } from "./harness.js";

// Failures connect-node answers before any interceptor (an undecodable body) must still come
// out in our shape on the HTTP port's gRPC and gRPC-web: INVALID_ARGUMENT with one ErrorInfo.

const garbage = [
  Buffer.from([0x0a, 0xff]),
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]),
  Buffer.from("not protobuf at all"),
];
const frame = (payload: Buffer) => {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
};

describe("protocol-level errors on the HTTP port", () => {
  let core: CoreHarness;
  let token: string;
  beforeAll(async () => {
    core = await startCoreHarness();
    token = await core.issuer.mint("prot");
  });
  afterAll(() => core.stop());

  it("answers undecodable gRPC-web bodies with INVALID_ARGUMENT and one ErrorInfo", async () => {
    let tried = 0;
    for (const bytes of garbage) {
      const res = await fetch(`${core.service.httpUrl}/${TaskService.typeName}/ListTasks`, {
        method: "POST",
        headers: { "content-type": "application/grpc-web+proto", authorization: `Bearer ${token}` },
        body: frame(bytes),
      });
      tried++;
      const body = Buffer.from(await res.arrayBuffer());
      const trailerText = body.subarray(body.indexOf(0x80) + 5).toString("utf8");
      expect(trailerText).toMatch(/grpc-status: 3\r\n/);
      const details = /grpc-status-details-bin: (\S+)/.exec(trailerText)?.[1] ?? "";
      const status = fromBinary(StatusSchema, Buffer.from(details, "base64"));
      expect(
        status.details.filter((d) => d.typeUrl.endsWith(ErrorInfoSchema.typeName)),
      ).toHaveLength(1);
    }
    console.log(`protocol errors (gRPC-web): tried ${tried} undecodable bodies, internal 0`);
  });

  it("answers undecodable gRPC (h2c) bodies with INVALID_ARGUMENT and one ErrorInfo", async () => {
    const session = connect(core.service.httpUrl);
    try {
      for (const bytes of garbage) {
        const { status, details } = await new Promise<{ status: string; details: string }>(
          (resolve, reject) => {
            const stream = session.request({
              ":method": "POST",
              ":path": `/${TaskService.typeName}/ListTasks`,
              "content-type": "application/grpc+proto",
              te: "trailers",
              authorization: `Bearer ${token}`,
            });
            let headers: Record<string, unknown> = {};
            stream.on("response", (h) => {
              headers = h;
            });
            stream.on("trailers", (t) =>
              resolve({
                status: String(t["grpc-status"]),
                details: String(t["grpc-status-details-bin"] ?? ""),
              }),
            );
            stream.on("end", () =>
              resolve({
                status: String(headers["grpc-status"]),
                details: String(headers["grpc-status-details-bin"] ?? ""),
              }),
            );
            stream.on("error", reject);
            stream.resume();
            stream.end(frame(bytes));
          },
        );
        expect(status).toBe("3");
        const parsed = fromBinary(StatusSchema, Buffer.from(details, "base64"));
        expect(
          parsed.details.filter((d) => d.typeUrl.endsWith(ErrorInfoSchema.typeName)),
        ).toHaveLength(1);
      }
      console.log(
        `protocol errors (gRPC on the HTTP port): tried ${garbage.length} undecodable bodies, internal 0`,
      );
    } finally {
      session.close();
    }
  });
});
