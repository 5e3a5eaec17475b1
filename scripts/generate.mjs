#!/usr/bin/env node
// Compiles proto/ into a descriptor image and generates TypeScript from it, offline:
// protoc (Debian's protobuf-compiler) parses the sources, buf lints, checks breaking changes
// against the published image, and runs protoc-gen-es. Usage:
//   npm run generate               lint, breaking, generate, refresh the current image
//   npm run generate -- --publish  also make the current image the published one (a release)
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  FileDescriptorSetSchema,
  file_google_protobuf_any,
  file_google_protobuf_descriptor,
  file_google_protobuf_duration,
  file_google_protobuf_empty,
  file_google_protobuf_field_mask,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  file_google_protobuf_wrappers,
} from "@bufbuild/protobuf/wkt";
import { file_buf_validate_validate } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const build = join(root, "build");
const contracts = join(root, "packages/contracts");
const currentImage = join(contracts, "image/glidepath.binpb");
const publishedImage = join(contracts, "published/glidepath.binpb");
const bin = (name) => join(root, "node_modules/.bin", name);

function run(cmd, args) {
  try {
    execFileSync(cmd, args, { cwd: root, stdio: "inherit" });
  } catch {
    console.error(`generate: ${cmd.split("/").pop()} ${args[0]} failed (see above)`);
    process.exit(1);
  }
}

// Our sources, plus the error detail types (AIP-193) that every service returns.
const sources = () => [
  ...protoFiles(join(root, "proto")),
  "google/rpc/error_details.proto",
  "google/rpc/status.proto",
];

function protoFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return protoFiles(path);
    return entry.name.endsWith(".proto") ? [relative(join(root, "proto"), path)] : [];
  });
}

try {
  execFileSync("protoc", ["--version"], { stdio: "ignore" });
} catch {
  console.error(
    "protoc not found: install Debian's protobuf-compiler (apt-get install protobuf-compiler)",
  );
  process.exit(1);
}

rmSync(build, { recursive: true, force: true });
mkdirSync(build, { recursive: true });

// buf/validate/validate.proto ships only as an embedded descriptor inside @bufbuild/protovalidate;
// hand it (and the well-known types) to protoc as a descriptor set instead of source.
const deps = [
  file_google_protobuf_descriptor,
  file_google_protobuf_any,
  file_google_protobuf_duration,
  file_google_protobuf_empty,
  file_google_protobuf_field_mask,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  file_google_protobuf_wrappers,
  file_buf_validate_validate,
];
const depsSet = join(build, "deps.binpb");
writeFileSync(
  depsSet,
  toBinary(
    FileDescriptorSetSchema,
    create(FileDescriptorSetSchema, { file: deps.map((f) => f.proto) }),
  ),
);

const image = join(build, "image.binpb");
run("protoc", [
  `--descriptor_set_in=${depsSet}`,
  "-I",
  "proto",
  "-I",
  "node_modules/google-proto-files",
  "--include_imports",
  "--include_source_info",
  "-o",
  image,
  ...sources(),
]);

run(bin("buf"), ["lint", image, "--path", "glidepath"]);
if (existsSync(publishedImage)) {
  run(bin("buf"), ["breaking", image, "--against", publishedImage, "--path", "glidepath"]);
} else {
  console.log("no published image yet: skipping the breaking-change check");
}

const gen = join(contracts, "src/gen");
rmSync(gen, { recursive: true, force: true });
run(bin("buf"), ["generate", image, "--template", "buf.gen.yaml"]);
// validate.proto's types come from @bufbuild/protovalidate (rewrite_imports in buf.gen.yaml).
rmSync(join(gen, "buf"), { recursive: true, force: true });
// Well-known types come from @bufbuild/protobuf/wkt.
rmSync(join(gen, "google/protobuf"), { recursive: true, force: true });

// The image without source info is what the runtime, reflection, Envoy and grpc-js load.
mkdirSync(dirname(currentImage), { recursive: true });
run("protoc", [
  `--descriptor_set_in=${depsSet}`,
  "-I",
  "proto",
  "-I",
  "node_modules/google-proto-files",
  "--include_imports",
  "-o",
  currentImage,
  ...sources(),
]);
if (process.argv.includes("--publish")) {
  mkdirSync(dirname(publishedImage), { recursive: true });
  cpSync(currentImage, publishedImage);
  console.log(`published ${relative(root, publishedImage)}`);
}
console.log("contracts generated");
