// CPU per webhook of ingestion's own steps, without HTTP or the disk: checking the signature,
// parsing the body into facts, and decoding those facts back as the projector does. Medians of
// rounds over the same realistic corpus as the load test. Usage: IngressBench [webhooks] [rounds]
import Adapters
import BenchSupport
import ClickUnlockTesting
import Domain
import EventStore
import Foundation
import MetaWebhook
import Synchronization

let arguments = CommandLine.arguments
let count = arguments.count > 1 ? Int(arguments[1]) ?? 20_000 : 20_000
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 7 : 7
let signature = WebhookSignature(appSecret: "bench-secret")
var traffic = SampleTraffic(seed: 4242)
let now = Int64(Date().timeIntervalSince1970 * 1000)
let bodies = (0..<count).map { traffic.next(receivedAt: now + Int64($0)).body }
let headers = bodies.map(signature.header(for:))
let parsed = bodies.map { WebhookParser.parse($0) }
// What the log holds per webhook: the raw hit, then its facts.
let appended = zip(bodies, parsed).flatMap { body, parsed in
    [
        WebhookReceived(
            receivedAt: now, remoteAddress: "127.0.0.1", signature: .valid, parse: .parsed, bodyBytes: body.count,
            requestId: "r1"
        )
        .newEvent(attachment: body)
    ] + parsed.facts
}
let recorded = appended.enumerated().map { index, event in
    RecordedEvent(
        position: UInt64(index + 1), timestamp: now, type: event.type, version: event.version, stream: event.stream,
        data: event.data, attachment: [])
}

/// Nanoseconds per webhook of `body`, median of the rounds.
func measure(_ name: String, _ body: () -> Int) {
    var samples: [Double] = []
    var sink = 0
    for _ in 0..<rounds {
        let start = ContinuousClock.now
        sink &+= body()
        samples.append(seconds(ContinuousClock.now - start) * 1e9 / Double(count))
    }
    print("| \(name) | \(median(samples), digits: 0) | \(samples.min()!, digits: 0) |")
    if sink == 42 { print("") }  // keeps the work from being optimised away
}

print("# IngressBench — \(count) webhooks (\(recorded.count) log events), \(rounds) rounds, ns per webhook")
print()
print("| step | median | best |")
print("|---|---:|---:|")
measure("check signature (HMAC-SHA256 of the body)") {
    zip(headers, bodies).reduce(0) { $0 + (signature.check(header: $1.0, body: $1.1) == .valid ? 1 : 0) }
}
measure("parse body into facts (JSON, events encoded)") {
    bodies.reduce(0) { $0 + WebhookParser.parse($1).items.count }
}
measure("decode the facts as the projector does") {
    recorded.reduce(0) { total, event in
        if case .undecodable = DomainFact(event) { return total }
        return total + 1
    }
}

// The duplicate index while it grows: the longest single reserve + commit of one webhook's keys,
// which every concurrent webhook waiting for the same lock waits for too. Beside it, the design
// before (one dictionary of string keys under one lock), in the same run.
let keyCount = 400_000
let keys = (0..<keyCount).map { "message:wamid.HBgLMTU1NTAwMDAwMDAVAgASGBQz\($0)QTlGRjQ0NkFFQUQ4M0Q1MkRFRgA=" }

/// Longest and median single call of `body(key index)`, in µs, over all keys.
func worstCall(_ name: String, _ body: (Int) -> Void) {
    var samples: [Double] = []
    samples.reserveCapacity(keyCount)
    for index in 0..<keyCount {
        let start = ContinuousClock.now
        body(index)
        samples.append(seconds(ContinuousClock.now - start) * 1e6)
    }
    print("| \(name) | \(median(samples), digits: 2) | \(samples.max()!, digits: 0) |")
}

print()
print("Duplicate index growing to \(keyCount) keys: one reserve + commit per key, µs")
print()
print("| index | median call | longest call |")
print("|---|---:|---:|")
let index = DedupeIndex()
worstCall("DedupeIndex (64 shards, 128-bit fingerprints)") { position in
    let key = DedupeIndex.Key(keys[position])  // once per webhook, as the ingestor does
    if index.reserve([key], now: now)[0] { index.commit([key], at: now) }
}
/// The index before: the same reserve and commit steps on string keys, all under one lock.
struct SingleIndex {
    var seen: [String: Int64] = [:]
    var reserved: Set<String> = []
    var hour: [String] = []
}
let single = Mutex(SingleIndex())
worstCall("one dictionary, string keys, one lock (before)") { position in
    let key = keys[position]
    let fresh = single.withLock { $0.seen[key] == nil && $0.reserved.insert(key).inserted }
    if fresh {
        single.withLock { state in
            state.reserved.remove(key)
            state.seen[key] = now
            state.hour.append(key)
        }
    }
}
