// DeliveryBench: click-to-completed latency of 6-step deliveries through the whole pipeline
// (listener, log with fsync, saga, client, simulator, status webhooks back), against the floor
// measured in the same run (6 sequential sends straight to the simulator, and one durable
// append); then 1,000 concurrent clicks with the rate limit lifted: deliveries/s and peak
// memory. Release mode: `make bench-delivery`.
import Adapters
import BenchSupport
import Delivery
import Domain
import EventStore
import Foundation
import Histogram

let quick = CommandLine.arguments.contains("--quick")
if CommandLine.arguments.contains("--backlog") {
    BacklogBench.run()
    exit(0)
}
let root = FileManager.default.temporaryDirectory.appendingPathComponent("clickunlock-dbench-\(getpid())").path
try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: root) }

func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kilobytes / 1024
}

func percentiles(_ samples: [Double]) -> String {
    var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    for sample in samples { histogram.record(UInt64(sample * 1000)) }
    func ms(_ p: Double) -> Double { Double(histogram.valueAtPercentile(p)) / 1000 }
    return "p50 \(ms(50), digits: 2) ms, p99 \(ms(99), digits: 2) ms (n=\(samples.count))"
}

print("# DeliveryBench — \(Date.now.formatted(.iso8601)) — \(ProcessInfo.processInfo.activeProcessorCount) cores")
print("")

/// Click → delivery.completed for `count` clicks one after another.
func sequentialLatency(latencyMs: Int64, confirmationWaitMs: Int64, count: Int, run: String) async throws -> (
    saga: [Double], floor: [Double], append: [Double]
) {
    let pipeline = try await Pipeline(root: root, latencyMs: latencyMs, confirmationWaitMs: confirmationWaitMs)
    let watcher = CompletionWatcher(log: pipeline.log)
    let clock = ContinuousClock()
    var saga: [Double] = []
    var floor: [Double] = []
    var append: [Double] = []
    for index in 0..<(count + 5) {
        let body = pipeline.click(index, run: run)
        let id = ClickDecider.deliveryId(forClick: "wamid.C\(run).\(index)")
        let start = clock.now
        try await pipeline.post(body)
        await watcher.wait(id)
        if index >= 5 { saga.append(seconds(clock.now - start) * 1000) }  // the first few warm up
        // Floor: the same six sends, straight from the client to the simulator.
        let floorStart = clock.now
        for (step, item) in try ManifestLoader.parse(DefaultManifest.yaml).packs[0].items.enumerated() {
            _ = await pipeline.client.send(
                OutgoingMessage(
                    phoneNumberId: "1", to: "1666\(index)", body: .content(item), callbackData: "floor;\(index);\(step)"
                ))
        }
        if index >= 5 { floor.append(seconds(clock.now - floorStart) * 1000) }
        let appendStart = clock.now
        try await pipeline.log.append(NewEvent(type: "bench.probe", stream: "bench", data: Array("{}".utf8)))
        if index >= 5 { append.append(seconds(clock.now - appendStart) * 1000) }
    }
    watcher.stop()
    await pipeline.stop()
    return (saga, floor, append)
}

let sequential = quick ? 40 : 200
for (label, latency, confirmation, count) in [
    ("simulator latency 0, complete on acceptance (engine overhead)", Int64(0), Int64(0), sequential),
    (
        "simulator latency 0, complete on `delivered` statuses (webhooks back through the listener)", Int64(0),
        Int64(60_000), sequential
    ),
    ("simulator latency 100 ms, complete on acceptance", Int64(100), Int64(0), quick ? 10 : 30),
] {
    let result = try blocking {
        try await sequentialLatency(
            latencyMs: latency, confirmationWaitMs: confirmation, count: count, run: "L\(latency)C\(confirmation)")
    }
    print("## click → delivery.completed, one click at a time: \(label)")
    print("- saga: \(percentiles(result.saga))")
    print("- floor, 6 sequential sends client → simulator, no log: \(percentiles(result.floor))")
    print("- one durable append (fsync), same log: \(percentiles(result.append))")
    print("- engine overhead (saga − floor), medians: \(median(result.saga) - median(result.floor), digits: 2) ms")
    print("")
}

// 1,000 concurrent clicks, rate limit lifted.
let concurrent = quick ? 200 : 1000
let burst = try blocking {
    let pipeline = try await Pipeline(root: root, latencyMs: 0, confirmationWaitMs: 0)
    let watcher = CompletionWatcher(log: pipeline.log)
    let clock = ContinuousClock()
    let start = clock.now
    let latencies = try await withThrowingTaskGroup(of: Double.self) { group in
        for index in 0..<concurrent {
            group.addTask {
                let clickStart = clock.now
                try await pipeline.post(pipeline.click(index, run: "B"))
                await watcher.wait(ClickDecider.deliveryId(forClick: "wamid.CB.\(index)"))
                return seconds(clock.now - clickStart) * 1000
            }
        }
        return try await group.reduce(into: [Double]()) { $0.append($1) }
    }
    let elapsed = seconds(clock.now - start)
    let events = pipeline.log.lastPosition
    watcher.stop()
    await pipeline.stop()
    return (latencies, elapsed, events)
}
print("## \(concurrent) concurrent clicks, rate limit lifted, simulator latency 0, complete on acceptance")
print(
    "- \(concurrent) deliveries (\(concurrent * 6) messages) in \(burst.1, digits: 2) s: "
        + "\(Double(concurrent) / burst.1, digits: 0) deliveries/s, "
        + "\(Double(concurrent * 6) / burst.1, digits: 0) messages/s; \(burst.2) events in the log")
print("- click → completed under that load: \(percentiles(burst.0))")
print(
    "- peak resident memory of the whole process (listener, log, saga, client AND simulator): "
        + "\(peakResidentMegabytes(), digits: 0) MB")
