#!/usr/bin/env node
// One long-running Discourse renderer for the tests: reads one JSON string of markdown per
// line on stdin, writes one JSON report (render.mjs's render()) per line on stdout.
//   node driver.mjs /path/to/render-copy
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import path from "node:path";

const dir = process.argv[2];
const { render } = await import(pathToFileURL(path.join(dir, "render.mjs")).href);
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  let out;
  try {
    out = render(JSON.parse(line));
  } catch (e) {
    out = { error: String(e && e.stack ? e.stack : e) };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}
