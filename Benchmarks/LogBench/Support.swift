import ClickUnlockTesting
import Domain
import EventStore
import Foundation

struct BenchOptions {
    var repeats = 3
    var levels = [1, 16, 64, 256]
    var quick = false
    var root: String
    var corpusSize: Int { quick ? 20_000 : 100_000 }
    var replayEvents: Int { quick ? 200_000 : 1_000_000 }

    init(_ arguments: [String]) {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("clickunlock-bench-\(getpid())").path
        var index = 1
        while index < arguments.count {
            switch arguments[index] {
            case "--quick":
                quick = true
                repeats = 1
            case "--repeats":
                index += 1
                repeats = Int(arguments[index]) ?? repeats
            case "--dir":
                index += 1
                root = arguments[index] + "/clickunlock-bench-\(getpid())"
            default: break
            }
            index += 1
        }
    }

    func appends(for level: Int) -> Int {
        let full = [1: 4_000, 16: 30_000, 64: 60_000, 256: 100_000][level] ?? 50_000
        return quick ? full / 5 : full
    }
}

/// Realistic, varied webhooks and the events the log stores for each.
struct Corpus: @unchecked Sendable {
    let webhooks: [SampleTraffic.Webhook]

    init(webhooks count: Int) {
        var traffic = SampleTraffic(seed: 1)
        let now = Int64(Date.now.timeIntervalSince1970 * 1000)
        webhooks = (0..<count).map { traffic.next(receivedAt: now + Int64($0)) }
    }

    var eventsPerWebhook: Double { Double(webhooks.reduce(0) { $0 + $1.events.count }) / Double(webhooks.count) }
    var medianBodyBytes: Int { webhooks.map(\.body.count).sorted()[webhooks.count / 2] }
}
