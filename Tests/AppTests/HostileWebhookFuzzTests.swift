import Adapters
import Delivery
import Domain
import EventStore
import Foundation
import GRDB
import Logging
import MetaWebhook
import Projections
import Testing

/// A seeded random-mutation fuzz of the webhook edge: real fixture bodies whose values are
/// replaced by hostile ones (times out of range, huge and negative numbers, long ids, control and
/// bidirectional characters, empty strings, wrong types), each signed and ingested into a real
/// log. Every one must be acknowledged, and nothing stored may stop the parser, the projections
/// (live and rebuilt alike), the saga's fold and decisions, `replay` or `rebuild --check`.
@Suite struct HostileWebhookFuzzTests {
    static let inputs = 3000
    static let secret = "fuzz-test-app-secret"

    static let hostileStrings: [String] = [
        "", " ", "99999999999999999", "-9223372036854775808", "1e308", String(repeating: "9", count: 5000),
        String(repeating: "é", count: 3000), "\u{1B}[2J\u{1B}]0;pwned\u{7}", "\u{202E}\u{2066}abc\u{2069}",
        "\u{0}\u{1}\u{7F}\u{9B}",
        "wamid.\(String(repeating: "A", count: 2000))", "💥", "null", "{\"a\":1}", "\\u0000",
    ]
    static var hostileNumbers: [Any] {
        [
            Int64.max, Int64.min, 99_999_999_999_999_999 as Int64, -1, 0, 1.5, 1e308, -1e308, 4_102_444_800 as Int64,
            946_684_799 as Int64, 2_147_483_648 as Int64,
        ]
    }

    @Test func hostileValuesInSignedBodiesNeverStopAnything() async throws {
        let data = TempDataDirectory()
        let names = try FileManager.default.contentsOfDirectory(
            atPath: try #require(Bundle.module.url(forResource: "Fixtures/webhooks", withExtension: nil)).path
        ).filter { $0.hasSuffix(".json") }.sorted()
        let originals = try names.map { try JSONSerialization.jsonObject(with: Data(fixture($0))) }
        var random = SplitMix64(seed: 0x13_FEED)

        let log = try EventLog.open(directory: data.logPath, configuration: .init { $0.durability = .unsafeNone })
        let ingestor = WebhookIngestor(
            log: log, signature: WebhookSignature(appSecret: Self.secret), dedupe: DedupeIndex(),
            logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }))
        var statuses: [Int: Int] = [:]
        for index in 0..<Self.inputs {
            let original = originals[Int(random.next() % UInt64(originals.count))]
            let mutated = Self.mutate(original, random: &random, depth: 0)
            let body = try [UInt8](JSONSerialization.data(withJSONObject: mutated, options: [.fragmentsAllowed]))
            _ = WebhookParser.parse(body)
            let result = await ingestor.ingest(
                body: body, signatureHeader: WebhookSignature(appSecret: Self.secret).header(for: body),
                remoteAddress: "127.0.0.1", requestId: "fuzz-\(index)")
            statuses[result.status, default: 0] += 1
        }
        await log.close()
        print("hostile webhook fuzz: \(Self.inputs) signed bodies ingested, answers \(statuses)")
        #expect(statuses == [200: Self.inputs], "every signed body is acknowledged: \(statuses)")

        // The rest is synchronous work and child processes: on a thread of its own, so that it does
        // not hold one of the two threads every other test's tasks run on.
        let path = data.path
        try await Self.onOwnThread { try Self.checkEverythingStored(path) }
    }

    /// The saga, the projections and the commands over the fuzzed log.
    static func checkEverythingStored(_ path: String) throws {
        // The saga's fold and its decisions over everything stored.
        let events = try logEvents(path + "/log")
        var state = SagaState()
        for event in events { state.apply(event) }
        let manifest = try ManifestLoader.parse(DefaultManifest.yaml)
        let decisions = ClickDecider(manifest: manifest, settings: SagaSettings(phoneNumberId: "106540352242922"))
            .decide(state.undecided, state: state, now: Int64(Date().timeIntervalSince1970 * 1000))
        #expect(decisions.count == state.undecidedCount)

        let differences = try projectLiveAndRebuilt(events, path: path)
        #expect(differences.isEmpty, "\(differences.prefix(2))")

        // And the commands, as child processes.
        let replay = try CLI.run(["replay", "--data-dir", path, "--format", "text"])
        #expect(replay.status == 0, "\(replay.stderr.prefix(500))")
        #expect(replay.lines.count == events.count)
        #expect(!replay.stdout.unicodeScalars.contains { ControlCharacters.isUnsafe($0) && $0 != "\n" })
        let jsonl = try CLI.run(["replay", "--data-dir", path])
        #expect(jsonl.status == 0)
        #expect(jsonl.lines.allSatisfy { jsonObject($0) != nil }, "every line stays valid JSON")
        let rebuild = try CLI.run(["rebuild", "--data-dir", path])
        #expect(rebuild.status == 0, "\(rebuild.stdout.suffix(500))\(rebuild.stderr.suffix(500))")
        let check = try CLI.run(["rebuild", "--data-dir", path, "--check"])
        #expect(check.status == 0, "\(check.stdout.suffix(500))\(check.stderr.suffix(500))")
    }

    /// Runs `body` on a new thread and waits for it without blocking the caller's thread.
    static func onOwnThread(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// The projections applied live (through the engine, in small transactions) and rebuilt from
    /// the log: their differences.
    static func projectLiveAndRebuilt(
        _ events: [RecordedEvent], path: String
    ) throws -> [ProjectionComparison.Difference] {
        let engine = ProjectionEngine(projections: ProjectionSettings().projections())
        let live = try ProjectionDatabase.openScratch(path: path + "/live.sqlite")
        try live.write { db in _ = try engine.prepare(db) }
        for start in stride(from: 0, to: events.count, by: 97) {
            try live.write { db in try engine.apply(Array(events[start..<min(start + 97, events.count)]), db) }
        }
        let rebuilt = try ProjectionDatabase.openScratch(path: path + "/rebuilt.sqlite")
        try Rebuilder(logDirectory: path + "/log", engine: engine).build(into: rebuilt)
        return try live.read { a in
            try rebuilt.read { b in
                try ProjectionComparison.compare(
                    a, b, tables: engine.projections.flatMap(\.tables) + ["projection_skips"])
            }
        }
    }

    /// Replaces some leaves (and sometimes whole subtrees) of a JSON value with hostile ones.
    static func mutate(_ value: Any, random: inout SplitMix64, depth: Int) -> Any {
        func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
        if depth > 0, chance(3) { return hostileLeaf(random: &random) }
        switch value {
        case let object as [String: Any]:
            var copy = object
            // In key order: a dictionary's own order changes from run to run, and so would the inputs.
            for (key, child) in object.sorted(by: { $0.key < $1.key }) {
                copy[key] = mutate(child, random: &random, depth: depth + 1)
            }
            if chance(5) { copy.removeValue(forKey: copy.keys.sorted().first ?? "") }
            return copy
        case let array as [Any]:
            var copy = array.map { mutate($0, random: &random, depth: depth + 1) }
            if chance(5), let first = copy.first { copy += Array(repeating: first, count: Int(random.next() % 20)) }
            return copy
        default:
            return chance(35) ? hostileLeaf(random: &random) : value
        }
    }

    static func hostileLeaf(random: inout SplitMix64) -> Any {
        switch random.next() % 10 {
        case 0..<5: return hostileStrings[Int(random.next() % UInt64(hostileStrings.count))]
        case 5..<8: return hostileNumbers[Int(random.next() % UInt64(hostileNumbers.count))]
        case 8: return NSNull()
        default: return random.next() % 2 == 0 ? [Any]() : [String: Any]()
        }
    }
}
