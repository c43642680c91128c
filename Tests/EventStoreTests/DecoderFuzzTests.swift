import EventStore
import Foundation
import Synchronization
import Testing

/// Seeded random damage to a real small log (three segments, raw and LZ4 batches with and without
/// the segment's dictionary, the first segment compacted into Zstandard batches): whatever the
/// bytes, opening, reading (with and without `skipCorrupt`), verifying, opening for writing and
/// repairing never trap, and never return fewer events while calling the log sound — except a torn
/// tail: losing only batches that the damage touched, at the end of the last segment, with nothing
/// intact after them.
@Suite struct DecoderFuzzTests {
    static let seed: UInt64 = 0x0013_C0DE_F00D
    static let inputs = 2400
    /// Inputs also opened for writing, and repaired: every `writerEvery`-th.
    static let writerEvery = 8
    /// A reader re-reads a damaged batch for ~50 ms before calling it damaged (it may be being
    /// written); threads overlap those waits.
    static let threads = 16

    /// Problems found and what the inputs led to, from every thread.
    final class Findings: Sendable {
        let problems = Mutex<[String]>([])
        let outcomes = Mutex<[String: Int]>([:])

        func record(_ number: Int, _ input: FuzzInput, outcome: String, _ found: [String]) {
            outcomes.withLock { $0[outcome, default: 0] += 1 }
            guard !found.isEmpty else { return }
            problems.withLock { $0.append("input \(number) (\(input.summary)): " + found.joined(separator: "; ")) }
        }
    }

    @Test func randomDamageIsReportedNeverATrapNorASilentLoss() async throws {
        let started = Date()
        let base = try await Self.makeLog()
        let root = TempDirectory("fuzz")
        let findings = Findings()
        let path = root.path
        // Readers on threads (they mostly wait); meanwhile writers and repairs, one at a time.
        let group = DispatchGroup()
        for lane in 0..<Self.threads {
            group.enter()
            Thread {
                for number in stride(from: lane, to: Self.inputs, by: Self.threads) {
                    let input = Self.input(number, of: base)
                    let directory = path + "/r\(number)"
                    Self.materialize(input, in: directory)
                    let (outcome, found) = Self.checkReaders(base, input, directory)
                    findings.record(number, input, outcome: outcome, found)
                    try? FileManager.default.removeItem(atPath: directory)
                }
                group.leave()
            }.start()
        }
        var written = 0
        for number in stride(from: 0, to: Self.inputs, by: Self.writerEvery) {
            let input = Self.input(number, of: base)
            let (outcome, found) = await Self.checkWriterAndRepair(base, input, path + "/w\(number)")
            findings.record(number, input, outcome: outcome, found)
            written += 1
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            group.notify(queue: .global()) { continuation.resume() }
        }
        let outcomes = findings.outcomes.withLock { $0 }.sorted { $0.key < $1.key }
        print(
            "decoder fuzz: \(Self.inputs) damaged logs read (seed \(Self.seed)), \(written) of them also opened for "
                + "writing and repaired, in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: "
                + outcomes.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        let problems = findings.problems.withLock { $0 }
        #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(5).joined(separator: "\n"))")
    }

    static func input(_ number: Int, of log: FuzzLog) -> FuzzInput {
        var random = FuzzRandom(seed: seed &+ UInt64(number) &* 0xD1B5_4A32_D192_ED03)
        return FuzzMutator.mutate(log, &random)
    }

    /// Three or four segments of 4 KiB of batches of 1 to 4 events of 10 to 250 bytes, with a
    /// dictionary; the last (active) one holds at least 12 batches. The first is then compacted
    /// into Zstandard batches (codec 3) of about 1 KiB; the others keep their LZ4 batches.
    static func makeLog() async throws -> FuzzLog {
        let dir = TempDirectory()
        let configuration = EventLogConfiguration {
            $0.segmentSize = 4 * 1024
            $0.compressionDictionary = Array(sampleEvent(0).data + sampleEvent(1).data)
        }
        let log = try EventLog.open(directory: dir.path, configuration: configuration)
        var random = FuzzRandom(seed: seed)
        var tag = 0
        var segments = 0
        var batchesInLast = 0
        while segments < 3 || batchesInLast < 12 {
            let count = Int.random(in: 1...4, using: &random)
            let sizes = (0..<count).map { _ in Int.random(in: 10...250, using: &random) }
            try await log.append((0..<count).map { sampleEvent(tag + $0, size: sizes[$0]) })
            tag += count
            batchesInLast = dir.segmentFiles.count == segments ? batchesInLast + 1 : 1
            segments = dir.segmentFiles.count
        }
        let compacted = try log.compactSealedSegments(
            options: CompactionOptions {
                $0.codec = .zstd
                $0.batchBytes = 1024
                $0.minimumSaving = 0
            },
            skipping: Set(dir.segmentFiles.dropFirst()))
        precondition(compacted.compacted.count == 1, "the fuzz log's first segment was not compacted: \(compacted)")
        await log.close()
        var files: [String: [UInt8]] = [:]
        for name in dir.segmentFiles + dir.indexFiles { files[name] = try fileBytes(dir.file(name)) }
        var frames: [String: [FormatProbe.Frame]] = [:]
        for name in dir.segmentFiles { frames[name] = try FormatProbe.frames(of: dir.file(name)) }
        return FuzzLog(files: files, segments: dir.segmentFiles, frames: frames, all: try readAll(dir.path))
    }

    static func materialize(_ input: FuzzInput, in directory: String) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, bytes) in input.files {
            _ = FileManager.default.createFile(atPath: directory + "/" + name, contents: Data(bytes))
        }
    }

    // MARK: What must hold

    /// Whether `events` are the log's first events, exactly.
    static func isPrefix(_ events: [RecordedEvent], of log: FuzzLog) -> Bool {
        events.count <= log.all.count && zip(events, log.all).allSatisfy { $0 == $1 }
    }

    /// Whether losing every position after `kept` is a torn tail: each batch holding a lost
    /// position is in the last segment and was touched by the damage (changed or cut off), so no
    /// intact batch follows the damage.
    static func lossIsATornTail(_ log: FuzzLog, _ input: FuzzInput, kept: Int) -> Bool {
        for (ordinal, name) in log.segments.enumerated() {
            for frame in log.frames[name]! where frame.basePosition + UInt64(frame.count) - 1 > UInt64(kept) {
                guard ordinal == log.segments.count - 1, input.segment == name else { return false }
                let bytes = input.files[name]!
                let range = Int(frame.offset)..<Int(frame.offset + frame.length)
                if range.upperBound <= bytes.count && bytes[range] == log.files[name]![range] { return false }
            }
        }
        return true
    }

    /// A read that did not fail: the log's events (a torn tail may be missing), or — crafted input —
    /// at least gapless positions from 1.
    static func checkRead(_ events: [RecordedEvent], _ log: FuzzLog, _ input: FuzzInput, _ what: String) -> [String] {
        if input.resealed {
            let gapless = events.enumerated().allSatisfy { $0.element.position == UInt64($0.offset + 1) }
            return gapless && events.count <= log.all.count ? [] : ["\(what): positions not gapless from 1"]
        }
        guard isPrefix(events, of: log) else { return ["\(what): events that are not the log's"] }
        guard events.count == log.all.count || lossIsATornTail(log, input, kept: events.count) else {
            return ["\(what): silently lost positions \(events.count + 1)-\(log.all.count)"]
        }
        return []
    }

    static func readEvents(
        _ reader: LogReader, skipCorrupt: Bool
    ) -> Result<([RecordedEvent], [SkippedRange]), EventLogError> {
        var iterator = reader.events(from: 1, skipCorrupt: skipCorrupt).makeAsyncIterator()
        var events: [RecordedEvent] = []
        do {
            while let event = try iterator.nextEvent() { events.append(event) }
        } catch {
            return .failure(error)
        }
        return .success((events, iterator.skipped))
    }

    static func checkReaders(_ log: FuzzLog, _ input: FuzzInput, _ directory: String) -> (String, [String]) {
        let reader: LogReader
        do {
            reader = try LogReader.open(directory: directory)
        } catch {
            return ("reader refused (\(error.code))", [])
        }
        var found: [String] = []
        let plain = readEvents(reader, skipCorrupt: false)
        let skipping = readEvents(reader, skipCorrupt: true)
        let verified = Result { () throws(EventLogError) in try reader.verify() }
        if case .success(let (events, _)) = plain { found += checkRead(events, log, input, "read") }
        if case .success(let (events, skipped)) = skipping {
            let ordered = zip(events, events.dropFirst()).allSatisfy { $0.position < $1.position }
            if !ordered { found.append("skip-corrupt read: positions out of order") }
            if !input.resealed {
                let known = events.allSatisfy { $0.position <= log.all.count && log.all[Int($0.position) - 1] == $0 }
                if !known { found.append("skip-corrupt read: events that are not the log's") }
                if skipped.isEmpty { found += checkRead(events, log, input, "skip-corrupt read with nothing skipped") }
            }
        }
        if !input.resealed, case .success(let report) = verified, report.isSound {
            if case .failure(let error) = plain { found.append("verify says sound, reading fails: \(error)") }
            if case .success(let (_, skipped)) = skipping, !skipped.isEmpty {
                found.append("verify says sound, skip-corrupt skipped \(skipped)")
            }
        }
        let outcome: String
        switch (plain, verified) {
        case (.failure, _): outcome = "read stopped at corruption"
        case (.success(let (events, _)), _) where events.count < log.all.count: outcome = "torn tail left out"
        case (.success, .success(let report)) where !report.isSound: outcome = "read all, verify found problems"
        case (.success, _): outcome = "read all"
        }
        return (outcome, found)
    }

    static func checkWriterAndRepair(
        _ log: FuzzLog, _ input: FuzzInput, _ directory: String
    ) async -> (String, [String]) {
        var found: [String] = []
        materialize(input, in: directory)
        if let writer = try? EventLog.open(directory: directory) {
            var events: [RecordedEvent] = []
            var failed = false
            do {
                for try await event in writer.events(from: 1) { events.append(event) }
            } catch {
                failed = true
            }
            await writer.close()
            if !failed { found += checkRead(events, log, input, "writer's read") }
        }
        try? FileManager.default.removeItem(atPath: directory)

        materialize(input, in: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let report: RepairReport
        do {
            report = try LogRepair.repair(directory: directory)
        } catch {
            return ("repair refused (\(error.code))", found)
        }
        do {
            let reader = try LogReader.open(directory: directory)
            let verify = try reader.verify()
            if !verify.isSound { found.append("repaired log not sound: \(verify.problems)") }
            guard case .success(let (events, _)) = readEvents(reader, skipCorrupt: false) else {
                return ("repaired", found + ["repaired log does not read"])
            }
            let placeholders = events.filter { $0.type == LogRepair.placeholderType }
            if !input.resealed {
                let kept = events.filter { $0.type != LogRepair.placeholderType }
                if !kept.allSatisfy({ $0.position <= log.all.count && log.all[Int($0.position) - 1] == $0 }) {
                    found.append("repaired log holds events that are not the log's")
                }
                if events.count < log.all.count && !lossIsATornTail(log, input, kept: events.count) {
                    found.append("repair lost positions \(events.count + 1)-\(log.all.count)")
                }
                // (A cut exactly between batches of the last segment leaves nothing to find.)
                if !placeholders.isEmpty && report.foundNothing {
                    found.append("repair wrote placeholders and reported nothing")
                }
            }
            if !events.enumerated().allSatisfy({ $0.element.position == UInt64($0.offset + 1) }) {
                found.append("repaired log not gapless")
            }
            let writer = try EventLog.open(directory: directory, configuration: .testing(durability: .unsafeNone))
            let position = try await writer.append(sampleEvent(1))
            await writer.close()
            if position != UInt64(events.count + 1) { found.append("append after repair at \(position)") }
            return (placeholders.isEmpty ? "repaired without placeholders" : "repaired with placeholders", found)
        } catch {
            return ("repaired", found + ["repaired log fails: \(error)"])
        }
    }
}
