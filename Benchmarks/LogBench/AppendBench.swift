import BenchSupport
import ClickUnlockTesting
import Domain
import EventStore
import Foundation
import Histogram

struct AppendResult {
    var appendsPerSecond: Double
    var eventsPerSecond: Double
    var p50: UInt64
    var p99: UInt64
    var syncs: UInt64
    var events: UInt64
    var batches: UInt64
    var bytesWritten: UInt64
    var bytesOnDisk: Int64
    var payloadBytes: Int
    var uncompressedBytes: UInt64

    var compressionVsPayload: Double { Double(payloadBytes) / Double(max(1, bytesOnDisk)) }
    var compressionVsRecords: Double { Double(uncompressedBytes) / Double(max(1, bytesOnDisk)) }

    /// Each figure's median across runs.
    static func median(_ runs: [AppendResult]) -> AppendResult {
        let byThroughput = runs.sorted { $0.appendsPerSecond < $1.appendsPerSecond }
        var result = byThroughput[runs.count / 2]
        result.p50 = runs.map(\.p50).sorted()[runs.count / 2]
        result.p99 = runs.map(\.p99).sorted()[runs.count / 2]
        return result
    }
}

enum AppendBench {
    /// `appends` appends of one webhook's events each, from `concurrency` tasks, into a fresh log.
    static func run(
        corpus: Corpus, concurrency: Int, appends: Int, durability: Durability, dictionary: Bool, root: String,
        derived: Bool = true, level: Int? = nil
    ) -> AppendResult {
        let directory = root + "/append-\(UUID().uuidString)"
        let log = try! EventLog.open(
            directory: directory,
            configuration: .init {
                $0.durability = durability
                $0.compressionDictionary = dictionary ? SampleTraffic.compressionDictionary() : []
                if let level { $0.compressionLevel = level }
            })
        let clock = ContinuousClock()
        let started = clock.now
        let histogram = try! blocking {
            await withTaskGroup(of: Histogram<UInt64>.self) { group in
                for task in 0..<concurrency {
                    group.addTask {
                        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000)
                        var index = task
                        while index < appends {
                            let webhook = corpus.webhooks[index % corpus.webhooks.count]
                            let before = clock.now
                            _ = try! await log.append(derived ? webhook.events : [webhook.events[0]])
                            let elapsed = clock.now - before
                            _ = histogram.record(UInt64(max(1, seconds(elapsed) * 1e6)))
                            index += concurrency
                        }
                        return histogram
                    }
                }
                var total = Histogram<UInt64>(highestTrackableValue: 60_000_000)
                for await histogram in group { total.add(histogram) }
                return total
            }
        }
        let elapsed = seconds(clock.now - started)
        let statistics = log.statistics
        try! blocking { await log.close() }
        let stats = try! LogReader.open(directory: directory).stats()
        let payload = (0..<appends).reduce(0) { $0 + corpus.webhooks[$1 % corpus.webhooks.count].body.count }
        try? FileManager.default.removeItem(atPath: directory)
        return AppendResult(
            appendsPerSecond: Double(appends) / elapsed, eventsPerSecond: Double(statistics.events) / elapsed,
            p50: histogram.valueAtPercentile(50), p99: histogram.valueAtPercentile(99), syncs: statistics.syncs,
            events: statistics.events, batches: stats.batches, bytesWritten: statistics.bytesWritten,
            bytesOnDisk: stats.bytesOnDisk, payloadBytes: payload, uncompressedBytes: stats.uncompressedBytes)
    }
}
