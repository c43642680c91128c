import Domain
import EventStore
import Foundation
import Testing

/// A child process appends continuously; the test kills it with SIGKILL at random moments and
/// checks, after every restart, that each acknowledged append is there, whole, and that no
/// append is there in part.
@Suite struct CrashTests {
    struct Ack: Hashable {
        var first: UInt64
        var last: UInt64
        var writer: Int
        var sequence: Int
    }

    static let batch = 4

    @Test func everyAcknowledgedAppendSurvivesSIGKILL() async throws {
        let data = TempDataDirectory()
        var random = SplitMix64(seed: UInt64(Date.now.timeIntervalSince1970))
        let seed = random.next()
        random = SplitMix64(seed: seed)
        var acknowledged = Set<Ack>()
        var kills = 0
        for round in 0..<16 {
            let delay = 20 + Int(random.next() % 250)
            // Odd rounds time the kill from the first acknowledgement (so a slow start on a loaded machine
            // does not eat every round's window), even ones from the launch (kills during start-up too).
            let acks = try runAndKill(
                dataDirectory: data.path, afterMilliseconds: delay, fromFirstAck: !round.isMultiple(of: 2))
            kills += 1
            acknowledged.formUnion(acks)
            try checkLog(
                data.logPath, acknowledged: acknowledged,
                context: "seed \(seed), round \(round), kill after \(delay) ms")
        }
        #expect(kills == 16)
        #expect(acknowledged.count > 50, "the child acknowledged too little to prove anything")
    }

    /// Starts the crash writer, kills it `afterMilliseconds` after its launch (or its first
    /// acknowledgement), returns its acks.
    private func runAndKill(dataDirectory: String, afterMilliseconds delay: Int, fromFirstAck: Bool) throws -> [Ack] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = [
            "log", "crash-writer", "--data-dir", dataDirectory, "--batch", "\(Self.batch)", "--concurrency", "8",
            "--segment-size", "65536",
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let collector = CLI.Collector(out.fileHandleForReading)
        if fromFirstAck { _ = collector.waitUntil(seconds: 30) { $0.contains("ack ") || $0.contains("error") } }
        usleep(useconds_t(delay * 1000 + (fromFirstAck ? 0 : 30_000)))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let lines = String(decoding: collector.wait(), as: UTF8.self).split(separator: "\n")
        #expect(
            !lines.contains { $0.hasPrefix("error") },
            "the writer reported an error: \(lines.filter { $0.hasPrefix("error") })")
        return lines.compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 5, parts[0] == "ack", let first = UInt64(parts[1]), let last = UInt64(parts[2]),
                let writer = Int(parts[3]), let sequence = Int(parts[4])
            else { return nil }
            return Ack(first: first, last: last, writer: writer, sequence: sequence)
        }
    }

    private func checkLog(_ directory: String, acknowledged: Set<Ack>, context: String) throws {
        // Killed before it made the log (a slow start under load): nothing was acknowledged either.
        if acknowledged.isEmpty, !FileManager.default.fileExists(atPath: directory) { return }
        let reader = try LogReader.open(directory: directory)
        var iterator = reader.events(from: 1).makeAsyncIterator()
        var events: [RecordedEvent] = []
        while let event = try iterator.nextEvent() { events.append(event) }
        #expect(
            events.map(\.position) == Array(stride(from: UInt64(1), through: UInt64(events.count), by: 1)), "\(context)"
        )

        struct Item: Decodable {
            var writer: Int
            var seq: Int
            var item: Int
            var of: Int
        }
        let items = events.map { try? JSONDecoder().decode(Item.self, from: Data($0.data)) }
        for ack in acknowledged {
            #expect(ack.last - ack.first + 1 == UInt64(Self.batch))
            for (offset, position) in (ack.first...ack.last).enumerated() {
                guard position <= UInt64(events.count), let item = items[Int(position) - 1] else {
                    Issue.record("acknowledged position \(position) is missing (\(context))")
                    continue
                }
                #expect(item.writer == ack.writer && item.seq == ack.sequence && item.item == offset, "\(context)")
            }
        }
        // All or nothing: each append's events are all there, together and in order.
        var index = 0
        while index < items.count {
            guard let first = items[index] else {
                Issue.record("undecodable event at \(index + 1) (\(context))")
                return
            }
            #expect(first.item == 0, "append starts mid-way at position \(index + 1) (\(context))")
            for offset in 0..<first.of {
                guard index + offset < items.count, let item = items[index + offset] else {
                    Issue.record("partial append at position \(index + 1) (\(context))")
                    return
                }
                #expect(item.writer == first.writer && item.seq == first.seq && item.item == offset, "\(context)")
            }
            index += first.of
        }
    }
}
