import {
  createServer as createHttp1Server,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import {
  createSecureServer as createHttp2SecureServer,
  createServer as createHttp2Server,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from "node:http2";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { cors as connectCors } from "@connectrpc/connect";
import { type ServerTls, tlsServerOptions } from "../tls.js";

type Handler = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => void;

const http2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export interface HttpServerOptions {
  /** Origins allowed to call from a browser (CORS); empty allows none. */
  corsOrigins: string[];
  /** Longer deadlines asked by clients are cut to this, as on the gRPC port (not refused). */
  maxDeadlineMs?: number;
  /**
   * Serve TLS instead of plaintext: HTTP/1.1 and h2 picked by ALPN, and client certificates
   * required when `tls.clientCa` is set. Plaintext connections then fail the handshake.
   */
  tls?: ServerTls;
}

const grpcTimeoutUnits: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 0.001,
  n: 0.000_001,
};

/**
 * Caps `connect-timeout-ms` / `grpc-timeout` at `maxMs`. Connect refuses a longer one with
 * INVALID_ARGUMENT, while grpc-js (the gRPC port) caps it: both ports now cap.
 */
function capDeadline(headers: Record<string, string | string[] | undefined>, maxMs: number) {
  const connect = headers["connect-timeout-ms"];
  if (typeof connect === "string" && /^\d{1,10}$/.test(connect) && Number(connect) > maxMs) {
    headers["connect-timeout-ms"] = String(maxMs);
  }
  const grpc = headers["grpc-timeout"];
  const match = typeof grpc === "string" ? /^(\d{1,8})([HMSmun])$/.exec(grpc) : null;
  if (match && Number(match[1]) * (grpcTimeoutUnits[match[2] as string] ?? 0) > maxMs) {
    headers["grpc-timeout"] = `${maxMs}m`;
  }
}

/**
 * One port for HTTP/1.1 (Connect JSON, gRPC-web, curl) and HTTP/2 (gRPC and Connect).
 * Plaintext (h2c): Node's http2 server won't take HTTP/1.1 without TLS, so the first bytes of
 * each connection pick the server. TLS: one http2 secure server with `allowHTTP1`, ALPN picks.
 * Both modes share CORS, deadline capping and the request tracking that lets shutdown wait for
 * calls in flight.
 */
export function createHttpServer(handler: Handler, options: HttpServerOptions) {
  let inFlight = 0;
  let stopping = false;
  const idleWaiters: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();

  const allowed = new Set(options.corsOrigins);
  const wrapped: Handler = (req, res) => {
    const origin = req.headers.origin;
    if (origin && (allowed.has(origin) || allowed.has("*"))) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("vary", "origin");
      res.setHeader("access-control-expose-headers", connectCors.exposedHeaders.join(", "));
      if (req.method === "OPTIONS") {
        res.setHeader("access-control-allow-methods", connectCors.allowedMethods.join(", "));
        res.setHeader(
          "access-control-allow-headers",
          [...connectCors.allowedHeaders, "authorization", "traceparent", "tracestate"].join(", "),
        );
        res.setHeader("access-control-max-age", "7200");
        res.statusCode = 204;
        res.end();
        return;
      }
    }
    if (stopping && "setHeader" in res && req.httpVersionMajor === 1) {
      res.setHeader("connection", "close");
    }
    if (options.maxDeadlineMs !== undefined) capDeadline(req.headers, options.maxDeadlineMs);
    inFlight++;
    res.on("close", () => {
      inFlight--;
      if (inFlight === 0) for (const resolve of idleWaiters.splice(0)) resolve();
    });
    if (req.httpVersionMajor === 1 && "setHeader" in res) {
      // Answered before its body was read (e.g. over the size cap): the rest of the body is
      // still on the connection, so it can't carry another request. Say so, or the client
      // reuses it and its next call stalls until the connection times out.
      const writeHead = res.writeHead;
      res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
        if (!(req as IncomingMessage).complete) this.setHeader("connection", "close");
        return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
      } as typeof res.writeHead;
    }
    handler(req, res);
  };

  const trackSocket = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };
  const trackSession = (session: Http2Session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  };

  let server: NetServer | Http2SecureServer;
  let closeHttp1Connections = () => {};
  if (options.tls) {
    const secure = createHttp2SecureServer(
      {
        ...tlsServerOptions(options.tls, true),
        allowHTTP1: true,
        ALPNProtocols: ["h2", "http/1.1"],
      },
      wrapped as (req: Http2ServerRequest, res: Http2ServerResponse) => void,
    );
    // HTTP/1.1 over TLS is served by node:http's connection handling on this server object,
    // which reads its keep-alive timeout from it: the same 5 s as the plaintext port.
    (secure as unknown as { keepAliveTimeout: number }).keepAliveTimeout = 5_000;
    secure.on("connection", trackSocket); // the TCP socket, before the handshake
    secure.on("session", trackSession);
    // A plaintext client, an untrusted or missing client certificate: the handshake fails and
    // the connection is closed (Node destroys the socket; nothing reaches the handler).
    secure.on("tlsClientError", (_error, socket) => socket.destroy());
    server = secure;
  } else {
    const http1 = createHttp1Server(wrapped as (req: IncomingMessage, res: ServerResponse) => void);
    http1.keepAliveTimeout = 5_000;
    const http2 = createHttp2Server(
      {},
      wrapped as (req: Http2ServerRequest, res: Http2ServerResponse) => void,
    );
    http2.on("session", trackSession);
    closeHttp1Connections = () => http1.closeAllConnections();

    server = createNetServer((socket) => {
      trackSocket(socket);
      socket.once("readable", () => {
        const head: Buffer | null = socket.read(http2Preface.length) ?? socket.read();
        if (!head) {
          socket.destroy();
          return;
        }
        socket.unshift(head);
        const target = head.equals(http2Preface.subarray(0, head.length)) ? http2 : http1;
        target.emit("connection", socket);
      });
      socket.on("error", () => socket.destroy());
    });
  }

  return {
    server,
    /** Stops accepting, lets calls in flight finish (up to `graceMs`), then closes everything. */
    async close(graceMs: number) {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close(); // GOAWAY: no new streams
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => idleWaiters.push(resolve)),
          new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
      }
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      closeHttp1Connections();
      await closed;
    },
  };
}
