import { fileURLToPath } from "node:url";

/** Path of the compiled descriptor image (FileDescriptorSet) of every contract. */
export const contractImagePath = fileURLToPath(
  new URL("../image/glidepath.binpb", import.meta.url),
);
