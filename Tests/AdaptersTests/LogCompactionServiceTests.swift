import Adapters
import ClickUnlockTesting
import EventStore
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The background compaction `serve` runs: it rewrites sealed segments while appends go on, and
/// stops at shutdown; the events read the same throughout.
@Suite struct LogCompactionServiceTests {
    private func event(_ tag: Int) -> NewEvent {
        let body =
            "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"value\":{\"messages\":"
            + "[{\"from\":\"1555\(tag % 89)\",\"id\":\"wamid.\(tag * 7919)\",\"type\":\"button\"}]}}]}]}"
        return NewEvent(
            type: "webhook.received", stream: "1555\(tag % 89)", data: Array("{\"n\":\(tag)}".utf8),
            attachment: Array(body.utf8))
    }

    private func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? -1
    }

    @Test func rewritesSealedSegmentsWhileAppendsGoOnAndStopsAtShutdown() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("compaction-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try EventLog.open(directory: directory, configuration: .init { $0.segmentSize = 64 << 10 })
        for tag in 0..<1000 { try await log.append(event(tag)) }
        let before = try await readAll(log)
        let first = directory + "/00000000000000000001.seg"
        let sizeBefore = size(first)

        var configuration = LogCompactionService.Configuration()
        configuration.interval = .milliseconds(20)
        configuration.cpuPercent = 100
        let capture = LogCapture()
        let logger = capture.logger()
        let service = LogCompactionService(log: log, configuration: configuration, logger: logger)
        let telemetry = ServiceTelemetry(dataDirectory: directory)
        telemetry.watch(log: log)
        #expect(Self.compactionSamples(telemetry) == [0, 0])
        let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [], logger: logger))
        let running = Task { try await group.run() }
        var tag = 1000
        let deadline = ContinuousClock.now + .seconds(60)
        // Appends go on until the first segment (sealed) has been rewritten, smaller.
        while size(first) == sizeBefore, ContinuousClock.now < deadline {
            try await log.append(event(tag))
            tag += 1
        }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(size(first) * 2 < sizeBefore, "compaction did not rewrite the first segment")
        // The metrics count what it rewrote, and a second scrape adds nothing.
        let totals = log.compactionTotals
        #expect(totals.segments >= 1 && totals.bytesBefore > totals.bytesAfter)
        let expected = [Double(totals.segments), Double(totals.bytesBefore - totals.bytesAfter)]
        #expect(Self.compactionSamples(telemetry) == expected)
        #expect(Self.compactionSamples(telemetry) == expected)
        // Each pass that rewrote something says so once, with what it saved and the CPU it took.
        let passes = capture.lines.filter { $0.hasPrefix("info log compaction pass: ") }
        #expect(!passes.isEmpty, "\(capture.lines)")
        let saved = passes.compactMap { Self.metadata($0, "bytes_saved").flatMap(Int64.init) }.reduce(0, +)
        #expect(saved == totals.bytesBefore - totals.bytesAfter, "\(passes)")
        let cpu = passes.compactMap { Self.metadata($0, "cpu_seconds").flatMap(Double.init) }
        #expect(cpu.count == passes.count && cpu.allSatisfy { $0 > 0 } && cpu.reduce(0, +) < 60, "\(passes)")
        let after = try await readAll(log)
        #expect(after.count == tag && Array(after.prefix(1000)) == before)
        await log.close()
        let reader = try LogReader.open(directory: directory)
        #expect(try reader.verify().isSound)
    }

    /// `clickunlock_log_compacted_segments_total` and `clickunlock_log_compaction_bytes_saved_total`.
    private static func compactionSamples(_ telemetry: ServiceTelemetry) -> [Double?] {
        let samples = TelemetryTests.samples(telemetry.prometheusText())
        return [
            samples["clickunlock_log_compacted_segments_total"],
            samples["clickunlock_log_compaction_bytes_saved_total"],
        ]
    }

    /// The value of `key=value` in a captured line.
    private static func metadata(_ line: String, _ key: String) -> String? {
        line.split(separator: " ").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    private func readAll(_ log: EventLog) async throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        for try await event in log.events(from: 1) { events.append(event) }
        return events
    }
}
