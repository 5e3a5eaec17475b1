import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";

export type Protocol = "grpc" | "connect" | "grpc-web";

function bearer(token: string | undefined): Interceptor {
  return (next) => (req) => {
    if (token) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

export interface ServiceUrls {
  grpcUrl: string;
  httpUrl: string;
}

/** A transport over the given protocol: gRPC → grpc-js port; Connect and gRPC-web → HTTP port. */
export function transportFor(urls: ServiceUrls, protocol: Protocol, token?: string): Transport {
  const interceptors = [bearer(token)];
  switch (protocol) {
    case "grpc":
      return createGrpcTransport({ baseUrl: urls.grpcUrl, interceptors });
    case "connect":
      return createConnectTransport({
        baseUrl: urls.httpUrl,
        httpVersion: "1.1",
        interceptors,
        useBinaryFormat: false,
      });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl: urls.httpUrl, httpVersion: "1.1", interceptors });
  }
}

export function clientFor<T extends DescService>(
  service: T,
  urls: ServiceUrls,
  token?: string,
  protocol: Protocol = "grpc",
): Client<T> {
  return createClient(service, transportFor(urls, protocol, token));
}
