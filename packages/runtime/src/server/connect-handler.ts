import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { toBinary } from "@bufbuild/protobuf";
import {
  Code,
  type ConnectError,
  type ConnectRouter,
  type ConnectRouterOptions,
  createConnectRouter,
} from "@connectrpc/connect";
import type { UniversalServerResponse } from "@connectrpc/connect/protocol";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import { ErrorInfoSchema } from "@glidepath/contracts/google";
import { defaultReason, rpcError } from "../rpc-error.js";

// connect-node answers some failures before any interceptor runs: a body it can't decode, an
// unsupported media type, a message over the size cap. Those errors lack our ErrorInfo, and a
// binary body that fails to decode even comes out as INTERNAL, the code for our own bugs. This
// handler is connect-node's adapter (router + universal handlers) with one addition: every
// error response without an ErrorInfo gets one, and an undecodable request is the client's
// INVALID_ARGUMENT — on all three protocols of the HTTP port.

type NodeRequest = IncomingMessage | Http2ServerRequest;
type NodeResponse = ServerResponse | Http2ServerResponse;

const errorInfoType = ErrorInfoSchema.typeName;
const decodeFailure = /^(parse binary|parse json|protocol error: promised \d+ bytes)/;

/** The error a client should see for a protocol-level failure, in our shape. */
function normalized(code: Code, message: string, domain: string): ConnectError {
  if (decodeFailure.test(message)) {
    return rpcError(domain, {
      code: Code.InvalidArgument,
      reason: "MALFORMED_REQUEST",
      message: "invalid request: the message could not be decoded",
    });
  }
  return rpcError(domain, { code, reason: defaultReason(code), message });
}

/** Connect's JSON names of codes, e.g. `invalid_argument`. */
const codeByName = new Map(
  Object.entries(Code)
    .filter(([, v]) => typeof v === "number")
    .map(([name, v]) => [name.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase(), v as Code]),
);
const nameOfCode = new Map([...codeByName].map(([name, code]) => [code, name]));

const httpStatus: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.NotFound]: 404,
  [Code.ResourceExhausted]: 429,
  [Code.Unimplemented]: 501,
  [Code.Unavailable]: 503,
  [Code.DeadlineExceeded]: 504,
};

async function readAll(body: AsyncIterable<Uint8Array> | undefined): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  if (body) for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function* once(bytes: Uint8Array) {
  yield bytes;
}

/** Connect unary errors are a JSON body. */
async function fixConnectError(res: UniversalServerResponse, domain: string) {
  const bytes = await readAll(res.body);
  let error: { code?: string; message?: string; details?: { type?: string }[] };
  try {
    error = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { ...res, body: once(bytes) };
  }
  if (error.details?.some((d) => d.type === errorInfoType)) return { ...res, body: once(bytes) };
  const fixed = normalized(
    codeByName.get(error.code ?? "") ?? Code.Unknown,
    error.message ?? "",
    domain,
  );
  const details = fixed.details.map((d) =>
    "desc" in d
      ? {
          type: d.desc.typeName,
          value: Buffer.from(toBinary(d.desc, d.value as never))
            .toString("base64")
            .replace(/=+$/, ""),
        }
      : d,
  );
  const json = JSON.stringify({
    code: nameOfCode.get(fixed.code),
    message: fixed.rawMessage,
    details,
  });
  res.header?.delete("content-length");
  return { ...res, status: httpStatus[fixed.code] ?? res.status, body: once(Buffer.from(json)) };
}

/** gRPC: the status is in the trailers, complete once the body has been sent. */
function fixGrpcTrailer(trailer: Headers, domain: string) {
  const status = Number(trailer.get("grpc-status") ?? "0");
  if (status === 0 || trailer.has("grpc-status-details-bin")) return;
  const message = decodeURIComponent(trailer.get("grpc-message") ?? "");
  setTrailerStatus(trailer, normalized(status as Code, message, domain));
}

/** gRPC-web: the trailers are the body's last frame (flag 0x80). */
async function* fixGrpcWebBody(body: AsyncIterable<Uint8Array>, domain: string) {
  let pending = Buffer.alloc(0);
  for await (const chunk of body) {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const length = pending.readUInt32BE(1);
      if (pending.length < 5 + length) break;
      const frame = pending.subarray(0, 5 + length);
      pending = pending.subarray(5 + length);
      if ((frame[0] ?? 0) & 0x80) {
        const trailer = new Headers();
        for (const line of frame.subarray(5).toString("utf8").split("\r\n")) {
          const colon = line.indexOf(":");
          if (colon > 0) trailer.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
        }
        fixGrpcTrailer(trailer, domain);
        const text = [...trailer].map(([k, v]) => `${k}: ${v}\r\n`).join("");
        const head = Buffer.alloc(5);
        head[0] = 0x80;
        head.writeUInt32BE(Buffer.byteLength(text), 1);
        yield Buffer.concat([head, Buffer.from(text)]);
      } else {
        yield frame;
      }
    }
  }
  if (pending.length) yield pending;
}

export interface ConnectHandlerOptions extends ConnectRouterOptions {
  routes: (router: ConnectRouter) => void;
  /** ErrorInfo domain, e.g. `core.glidepath`. */
  domain: string;
}

/** A Node request handler serving Connect, gRPC-web and gRPC, every error in our shape. */
export function createConnectHandler(options: ConnectHandlerOptions) {
  const router = createConnectRouter({
    acceptCompression: [compressionGzip, compressionBrotli],
    ...options,
  });
  options.routes(router);
  const paths = new Map(router.handlers.map((h) => [h.requestPath, h]));
  return (req: NodeRequest, res: NodeResponse) => {
    const handler = paths.get(req.url?.split("?", 2)[0] ?? "");
    if (!handler) {
      res.writeHead(404);
      res.end();
      return;
    }
    const contentType = String(req.headers["content-type"] ?? "");
    const uReq = universalRequestFromNodeRequest(req, res, undefined, undefined);
    handler(uReq)
      .then(async (uRes) => {
        if (contentType.startsWith("application/grpc-web")) {
          if (uRes.body) uRes = { ...uRes, body: fixGrpcWebBody(uRes.body, options.domain) };
        } else if (contentType.startsWith("application/grpc")) {
          const { body, trailer, header } = uRes;
          // "Trailers-only": an early error travels in the headers.
          if (header?.has("grpc-status")) fixGrpcTrailer(header, options.domain);
          if (body && trailer) {
            uRes = {
              ...uRes,
              body: (async function* () {
                yield* body;
                fixGrpcTrailer(trailer, options.domain);
              })(),
            };
          }
        } else if (uRes.status >= 400) {
          uRes = await fixConnectError(uRes, options.domain);
        }
        await universalResponseToNodeResponse(uRes, res);
      })
      .catch(() => {
        // The client went away mid-response; nothing left to answer.
        if (!res.writableEnded) res.destroy();
      });
  };
}
