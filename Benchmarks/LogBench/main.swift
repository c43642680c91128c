// LogBench: throughput, latency, replay speed and compression of the event log, each next to a
// baseline measured in the same run. Run in release mode: `make bench` (see BENCHMARKS.md).
import BenchSupport
import Domain
import EventStore
import Foundation
import Histogram

let options = BenchOptions(CommandLine.arguments)
print(
    "# LogBench — \(Date.now.formatted(.iso8601)) — \(ProcessInfo.processInfo.activeProcessorCount) cores, "
        + "repeats \(options.repeats) (medians)")
print("")
let corpus = Corpus(webhooks: options.corpusSize)
print(
    "corpus: \(corpus.webhooks.count) distinct webhooks, \(corpus.eventsPerWebhook, digits: 2) events each on average, "
        + "median body \(corpus.medianBodyBytes) bytes")
print("")

// 1 + 4. Durable appends at each concurrency, against the disk's own write+fsync limit; compression.
print(
    "## Durable appends (fsync on), default settings (LZ4 HC 3, dictionary on), raw+facts shape (2 events per webhook)")
print("")
print(
    "| appenders | appends/s | events/s | p50 µs | p99 µs | events/sync | disk limit syncs/s (same bytes/sync) "
        + "| limit events/s | of limit | disk vs raw payload |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
var levelResults: [Int: AppendResult] = [:]
for level in options.levels {
    let runs = (0..<options.repeats).map { _ in
        AppendBench.run(
            corpus: corpus, concurrency: level, appends: options.appends(for: level), durability: .always,
            dictionary: true, root: options.root)
    }
    let result = AppendResult.median(runs)
    levelResults[level] = result
    let bytesPerSync = Int(result.bytesWritten / max(1, result.syncs))
    let limit = median(
        (0..<options.repeats).map { _ in FsyncBaseline.syncsPerSecond(bytesPerSync: bytesPerSync, root: options.root) })
    let eventsPerSync = Double(result.events) / Double(max(1, result.syncs))
    let limitEvents = limit * eventsPerSync
    print(
        "| \(level) | \(Int(result.appendsPerSecond)) | \(Int(result.eventsPerSecond)) | \(result.p50) "
            + "| \(result.p99) | \(eventsPerSync, digits: 1) | \(Int(limit)) | \(Int(limitEvents)) "
            + "| \(result.eventsPerSecond / limitEvents * 100, digits: 0)% "
            + "| \(result.compressionVsPayload, digits: 2)x |")
}
print("")

// 2. The CPU cost of framing and compression: sync off.
print("## Appends with sync off (UNSAFE mode: framing + compression + write only)")
print("")
print("| appenders | LZ4 level | appends/s | events/s | p50 µs | p99 µs | disk vs raw payload |")
print("|---:|---:|---:|---:|---:|---:|---:|")
for level in [1, 64] {
    for compression in [0, 3] {
        let runs = (0..<options.repeats).map { _ in
            AppendBench.run(
                corpus: corpus, concurrency: level, appends: options.appends(for: 256), durability: .unsafeNone,
                dictionary: true, root: options.root, level: compression)
        }
        let result = AppendResult.median(runs)
        print(
            "| \(level) | \(compression) | \(Int(result.appendsPerSecond)) | \(Int(result.eventsPerSecond)) "
                + "| \(result.p50) | \(result.p99) | \(result.compressionVsPayload, digits: 2)x |")
    }
}
print("")

// 4b. Compression by shape, and what the dictionary buys at small batch sizes.
print("## Compression at the default level (LZ4 HC 3): raw webhook payload bytes per byte on disk (fsync on)")
print("")
print("Two shapes: `raw` appends one `webhook.received` event per webhook (the raw body and its receipt metadata);")
print("`raw+facts` also appends the facts derived from it in the same batch (`button.clicked`, `status.updated`, ...),")
print("which is what ingestion stores. `records` is the log's own ratio: uncompressed batch records per byte on disk.")
print("")
print("| appenders | shape | events/batch | with dictionary | without dictionary | records (with) |")
print("|---:|---|---:|---:|---:|---:|")
for level in options.levels {
    for derived in [false, true] {
        let runs = (0..<options.repeats).map { _ in
            AppendBench.run(
                corpus: corpus, concurrency: level, appends: options.appends(for: level), durability: .always,
                dictionary: true, root: options.root, derived: derived)
        }
        let with = AppendResult.median(runs)
        let without = AppendBench.run(
            corpus: corpus, concurrency: level, appends: options.appends(for: level), durability: .always,
            dictionary: false, root: options.root, derived: derived)
        print(
            "| \(level) | \(derived ? "raw+facts" : "raw") "
                + "| \(Double(with.events) / Double(max(1, with.batches)), digits: 1) "
                + "| \(with.compressionVsPayload, digits: 2)x | \(without.compressionVsPayload, digits: 2)x "
                + "| \(with.compressionVsRecords, digits: 2)x |")
    }
}
print("")

// 4c. LZ4 HC: smaller on disk for CPU on the write path.
print("## LZ4 fast (level 0) vs LZ4 HC levels (3 is the default), fsync on, dictionary on")
print("")
print("| appenders | shape | level | appends/s | p99 µs | payload per disk byte |")
print("|---:|---|---:|---:|---:|---:|")
for level in [16, 64, 256] {
    for derived in [false, true] {
        for compression in [0, 3, 6] {
            let runs = (0..<options.repeats).map { _ in
                AppendBench.run(
                    corpus: corpus, concurrency: level, appends: options.appends(for: level), durability: .always,
                    dictionary: true, root: options.root, derived: derived, level: compression)
            }
            let result = AppendResult.median(runs)
            print(
                "| \(level) | \(derived ? "raw+facts" : "raw") | \(compression) | \(Int(result.appendsPerSecond)) "
                    + "| \(result.p99) | \(result.compressionVsPayload, digits: 2)x |")
        }
    }
}
print("")

// 3. Replay from the start of a large log, next to reading the same files' bytes.
print("## Replay (read the whole log from position 1)")
print("")
let replay = ReplayBench.run(corpus: corpus, events: options.replayEvents, repeats: options.repeats, root: options.root)
print("| events | events/s | MB/s uncompressed | MB/s on disk | baseline: read the segment files, MB/s |")
print("|---:|---:|---:|---:|---:|")
print(
    "| \(replay.events) | \(Int(replay.eventsPerSecond)) | \(replay.uncompressedMBps, digits: 0) "
        + "| \(replay.diskMBps, digits: 0) | \(replay.rawReadMBps, digits: 0) |")
try? FileManager.default.removeItem(atPath: options.root)
