// Google API types used across the contracts: error details (AIP-193), dates, HTTP rules.
export * from "./gen/google/api/annotations_pb.js";
export * from "./gen/google/api/http_pb.js";
export * from "./gen/google/rpc/error_details_pb.js";
export * from "./gen/google/rpc/status_pb.js";
export * from "./gen/google/type/date_pb.js";
export * from "./gen/google/type/timeofday_pb.js";
