/**
 * Task questions in plain language ("what's due this week in #Work?", "overdue p1 tasks",
 * "everything labelled @errands") → the `filter` and `order_by` of core's ListTasks.
 */
export { type Comparison, type Condition, quote, renderFilter } from "./conditions.js";
export {
  mayNameProject,
  parseTaskQuery,
  type QueryInput,
  type QueryTerm,
  type TaskQuery,
} from "./parse-query.js";
