// Preloaded into Azurite by build.sh, `npm run azurite:all`, the tests and the benchmarks (node --require, or
// NODE_OPTIONS=--require <this file>).
//
// Azurite 3.35.0 (also 3.37.0, the newest on npm) keeps each message of an in-memory queue as an extent of its own, and
// every minute its GC deletes the extents no message refers to any more. Two defects make that sweep block node's event
// loop, so the service answers nothing while it runs:
//  1. An extent's metadata row is inserted as { lastModifiedInMS } while the GC filters on LastModifyInMS, so its
//     10-minute "recently written" protection never applies: each sweep takes every extent since the last one.
//  2. It deletes them one by one, each delete costing time linear in the extent count: measured 9 s for 5,000
//     extents, 46 s for 10,000, over a minute at 200 messages/s (bench/RESULTS.md, issue 11).
// This sets the field the GC reads when the row is written (as an update already does), and deletes a sweep's extents
// in one pass (10,000 in 70 ms). What is deleted, and when, is what Azurite means to do. If Azurite's modules change,
// this patches nothing and says so on stderr.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

try {
  // Preloaded before the main module: find Azurite's package from the script node was asked to run (a .bin link).
  const main = fs.realpathSync(process.argv[1]);
  const at = main.lastIndexOf(path.join("dist", "src") + path.sep);
  if (at < 0) {
    throw new Error(`${main} is not inside an Azurite package`);
  }

  const persistence = path.join(main.slice(0, at), "dist", "src", "common", "persistence");
  const metadataStore = require(path.join(persistence, "LokiExtentMetadataStore.js")).default;
  const memoryStore = require(path.join(persistence, "MemoryExtentStore.js")).default;

  const updateExtent = metadataStore.prototype.updateExtent;
  metadataStore.prototype.updateExtent = function (extent) {
    if (extent && extent.LastModifyInMS === undefined && typeof extent.lastModifiedInMS === "number") {
      extent.LastModifyInMS = extent.lastModifiedInMS;
    }
    return updateExtent.call(this, extent);
  };

  const deleteExtents = memoryStore.prototype.deleteExtents;
  memoryStore.prototype.deleteExtents = async function (extents) {
    const metadata = this.metadataStore;
    const collection = metadata && metadata.db && metadata.db.getCollection(metadata.EXTENTS_COLLECTION);
    if (!collection || !this.chunks) {
      return deleteExtents.call(this, extents);
    }

    const ids = [...extents];
    for (const id of ids) {
      if (this.chunks.get(this.categoryName, id)) {
        this.chunks.delete(this.categoryName, id);
      }
    }

    collection.findAndRemove({ id: { $in: ids } });
    return ids.length;
  };
} catch (error) {
  process.stderr.write(`azurite-extent-gc-fix: not applied (${error && error.message})\n`);
}
