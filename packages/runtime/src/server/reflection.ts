import {
  create,
  createRegistry,
  type DescFile,
  type DescService,
  toBinary,
} from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type ServerReflection,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
  ServerReflectionResponseSchema,
} from "@glidepath/contracts/grpc";

// No npm package implements gRPC server reflection for connect-node, so this is our own,
// kept to what clients such as `buf curl --reflect` and grpcurl use.

function collectFiles(file: DescFile, into: Map<string, DescFile>) {
  if (into.has(file.name)) return;
  for (const dep of file.dependencies) collectFiles(dep, into);
  into.set(file.name, file);
}

function fileDescriptors(file: DescFile): Uint8Array[] {
  const files = new Map<string, DescFile>();
  collectFiles(file, files);
  // The requested file first, then what it imports: clients read them in any order.
  const ordered = [file, ...[...files.values()].filter((f) => f !== file)];
  return ordered.map((f) => toBinary(FileDescriptorProtoSchema, f.proto));
}

/** grpc.reflection.v1 over the given services and every file they depend on. */
export function createReflectionService(
  services: DescService[],
): ServiceImpl<typeof ServerReflection> {
  const files = new Map<string, DescFile>();
  for (const service of services) collectFiles(service.file, files);
  const registry = createRegistry(...files.values());
  const fileOfSymbol = (name: string): DescFile | undefined => {
    const desc = registry.get(name);
    if (desc) return desc.file;
    // A method or field: look its parent up.
    const parent = name.slice(0, name.lastIndexOf("."));
    const owner = registry.get(parent);
    return owner && (owner.kind === "service" || owner.kind === "message") ? owner.file : undefined;
  };

  const answer = (req: ServerReflectionRequest): ServerReflectionResponse => {
    const base = { validHost: req.host, originalRequest: req };
    const notFound = (what: string) =>
      create(ServerReflectionResponseSchema, {
        ...base,
        messageResponse: {
          case: "errorResponse",
          value: { errorCode: 5, errorMessage: `${what} not found` },
        },
      });
    const filesResponse = (file: DescFile | undefined, what: string) =>
      file
        ? create(ServerReflectionResponseSchema, {
            ...base,
            messageResponse: {
              case: "fileDescriptorResponse",
              value: { fileDescriptorProto: fileDescriptors(file) },
            },
          })
        : notFound(what);
    const request = req.messageRequest;
    switch (request.case) {
      case "listServices":
        return create(ServerReflectionResponseSchema, {
          ...base,
          messageResponse: {
            case: "listServicesResponse",
            value: { service: services.map((s) => ({ name: s.typeName })) },
          },
        });
      case "fileByFilename":
        return filesResponse(files.get(request.value), `file ${request.value}`);
      case "fileContainingSymbol":
        return filesResponse(fileOfSymbol(request.value), `symbol ${request.value}`);
      case "fileContainingExtension": {
        const ext = registry.getExtensionFor(
          registry.getMessage(request.value.containingType) as never,
          request.value.extensionNumber,
        );
        return filesResponse(ext?.file, `extension ${request.value.extensionNumber}`);
      }
      case "allExtensionNumbersOfType": {
        const numbers: number[] = [];
        for (const desc of registry) {
          if (desc.kind === "extension" && desc.extendee.typeName === request.value) {
            numbers.push(desc.number);
          }
        }
        return create(ServerReflectionResponseSchema, {
          ...base,
          messageResponse: {
            case: "allExtensionNumbersResponse",
            value: { baseTypeName: request.value, extensionNumber: numbers },
          },
        });
      }
      default:
        return create(ServerReflectionResponseSchema, {
          ...base,
          messageResponse: {
            case: "errorResponse",
            value: { errorCode: 3, errorMessage: "unsupported request" },
          },
        });
    }
  };

  return {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) yield answer(req);
    },
  };
}
