import EventStore
import Foundation
import Testing

/// Compaction into Zstandard batches (codec 3): every event the same at its position, every reader
/// and `verify` reading them; damaged or crafted zstd batches reported as corruption, never a trap,
/// never an allocation sized by the claim.
@Suite struct ZstdCompactionTests {
    /// 900 webhook-like events appended one at a time into 64 KiB segments, then compacted with
    /// `codec` into batches of 16 KiB (several per segment).
    private func makeCompactedLog(
        _ codec: CompactionCodec = .zstd
    ) async throws -> (TempDirectory, before: [RecordedEvent], CompactionReport) {
        let directory = TempDirectory()
        let log = try EventLog.open(directory: directory.path, configuration: .testing(segmentSize: 64 << 10))
        for tag in 0..<900 {
            let body =
                "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1065403522\",\"changes\":[{\"value\":"
                + "{\"messages\":[{\"from\":\"1555\(100_000 + tag % 97)\",\"id\":\"wamid.HBgL\(tag * 7919)\","
                + "\"timestamp\":\"\(1_700_000_000 + tag)\",\"type\":\"button\"}]}}]}]}"
            try await log.append(
                NewEvent(
                    type: "webhook.received", stream: "1555\(100_000 + tag % 97)",
                    data: Array("{\"n\":\(tag)}".utf8), attachment: Array(body.utf8)))
        }
        await log.close()
        let before = try readAll(directory.path)
        let report = try LogCompaction.compact(
            directory: directory.path,
            options: CompactionOptions {
                $0.codec = codec
                $0.batchBytes = 16 << 10
            })
        return (directory, before, report)
    }

    /// The codec byte of every batch of the segment `name`.
    private func codecs(_ directory: TempDirectory, _ name: String) throws -> [UInt8] {
        let bytes = try fileBytes(directory.file(name))
        return try FormatProbe.frames(of: directory.file(name)).map { bytes[Int($0.offset) + 10] }
    }

    /// The zstd frames of the first (compacted) segment.
    private func zstdFrames(_ directory: TempDirectory) throws -> [FormatProbe.Frame] {
        let name = directory.segmentFiles[0]
        let bytes = try fileBytes(directory.file(name))
        return try FormatProbe.frames(of: directory.file(name)).filter { bytes[Int($0.offset) + 10] == 3 }
    }

    /// Rewrites the first segment with `change` applied at `frame`'s offset, optionally sealing the
    /// batch's checksum again (a crafted file rather than a flipped bit), and drops the index caches.
    private func damage(
        _ directory: TempDirectory, _ frame: FormatProbe.Frame, reseal: Bool, _ change: (inout [UInt8], Int) -> Void
    ) throws {
        let path = directory.file(directory.segmentFiles[0])
        var bytes = try fileBytes(path)
        change(&bytes, Int(frame.offset))
        if reseal { bytes.resealBatch(at: Int(frame.offset), storedLength: Int(bytes.u32(at: Int(frame.offset) + 44))) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        for index in directory.indexFiles { try FileManager.default.removeItem(atPath: directory.file(index)) }
    }

    /// `verify` reports the batch at `frame` (reason containing `why`), a plain read throws, and
    /// a read that skips corrupt batches returns every other event unchanged.
    private func expectCorruption(
        _ directory: TempDirectory, at frame: FormatProbe.Frame, before: [RecordedEvent], _ why: String? = nil
    ) throws {
        let report = try LogReader.open(directory: directory.path).verify()
        #expect(report.problems.first?.offset == frame.offset, "\(report.problems)")
        if let why { #expect(report.problems.first?.reason.contains(why) == true, "\(report.problems)") }
        #expect(throws: EventLogError.self) { try readAll(directory.path) }
        let (kept, skipped) = try readAllSkippingCorrupt(directory.path)
        #expect(!skipped.isEmpty && kept.allSatisfy { before[Int($0.position - 1)] == $0 })
    }

    @Test func everyEventReadsTheSameFromZstdBatchesAndTheySaveMoreThanLZ4HC() async throws {
        let (directory, before, report) = try await makeCompactedLog()
        let sealed = Array(directory.segmentFiles.dropLast())
        #expect(sealed.count >= 2 && report.compacted.map(\.name) == sealed)
        for name in sealed { #expect(Set(try codecs(directory, name)) == [3]) }
        #expect(try readAll(directory.path) == before)
        let reader = try LogReader.open(directory: directory.path)
        #expect(reader.recovery.rebuiltIndexes.isEmpty && reader.recovery.damaged.isEmpty)
        #expect(try reader.verify().isSound)
        var from = reader.events(from: 333).makeAsyncIterator()
        #expect(try from.nextEvent() == before[332])
        // The same log compacted with LZ4 HC: LZ4 batches (codec 1, or 2 with a dictionary), larger.
        let (lz4, lz4Before, lz4Report) = try await makeCompactedLog(.lz4hc)
        #expect(try readAll(lz4.path) == lz4Before)
        for name in lz4.segmentFiles.dropLast() { #expect(Set(try codecs(lz4, name)) == [1]) }
        #expect(report.bytesAfter < lz4Report.bytesAfter, "zstd \(report.bytesAfter), lz4hc \(lz4Report.bytesAfter)")
        // The writer opens on the compacted log and goes on after it.
        let log = try EventLog.open(directory: directory.path, configuration: .testing(segmentSize: 64 << 10))
        #expect(try await log.append(sampleEvent(1)) == UInt64(before.count + 1))
        await log.close()
    }

    /// Segments an earlier compaction left in large LZ4 HC batches move to zstd once; never back.
    @Test func lz4HCCompactedSegmentsAreRewrittenAsZstdOnceAndNeverBack() async throws {
        let (directory, before, first) = try await makeCompactedLog(.lz4hc)
        let sealed = Array(directory.segmentFiles.dropLast())
        #expect(first.compacted.map(\.name) == sealed)
        let options = CompactionOptions { $0.batchBytes = 16 << 10 }
        let zstd = try LogCompaction.compact(directory: directory.path, options: options)
        #expect(zstd.compacted.map(\.name) == sealed, "\(zstd.skipped)")
        #expect(zstd.bytesAfter < first.bytesAfter)
        for name in sealed { #expect(Set(try codecs(directory, name)) == [3]) }
        #expect(try readAll(directory.path) == before)
        #expect(try LogReader.open(directory: directory.path).verify().isSound)

        for codec in [CompactionCodec.zstd, .lz4hc] {
            let again = try LogCompaction.compact(
                directory: directory.path,
                options: CompactionOptions {
                    $0.codec = codec
                    $0.batchBytes = 16 << 10
                })
            #expect(again.compacted.isEmpty)
            #expect(again.skipped.map(\.reason) == sealed.map { _ in CompactionReport.Skip.alreadyCompacted })
        }
    }

    @Test func aFlippedBitInAZstdBatchIsCorruption() async throws {
        let (directory, before, _) = try await makeCompactedLog()
        let frame = try #require(try zstdFrames(directory).dropFirst().first)
        try damage(directory, frame, reseal: false) { bytes, offset in bytes[offset + 48 + 100] ^= 0x10 }
        try expectCorruption(directory, at: frame, before: before, "checksum")
    }

    /// With the batch checksum made valid again, zstd itself must refuse (its frame checksum, its
    /// structure): every byte of the frame changed in turn is reported or reads back unchanged.
    @Test func aCraftedZstdFrameNeverDecodesToOtherEvents() async throws {
        let (directory, before, _) = try await makeCompactedLog()
        let frame = try #require(try zstdFrames(directory).first)
        let original = try fileBytes(directory.file(directory.segmentFiles[0]))
        let stored = Int(frame.length) - 48
        var reported = 0
        for at in Array(0..<8) + Array(stride(from: 8, to: stored, by: max(1, stored / 24))) + [stored - 4, stored - 1]
        {
            try Data(original).write(to: URL(fileURLWithPath: directory.file(directory.segmentFiles[0])))
            try damage(directory, frame, reseal: true) { bytes, offset in bytes[offset + 48 + at] ^= 0x24 }
            let report = try LogReader.open(directory: directory.path).verify()
            if report.isSound {
                #expect(try readAll(directory.path) == before, "byte \(at) changed, read as sound, events differ")
            } else {
                #expect(report.problems.first?.offset == frame.offset, "byte \(at): \(report.problems)")
                reported += 1
            }
        }
        #expect(reported > 20)
    }

    @Test func aZstdLengthBeyondWhatTheFrameCanHoldIsRejectedBeforeAllocating() async throws {
        let (directory, before, _) = try await makeCompactedLog()
        let frame = try #require(try zstdFrames(directory).first)
        let stored = UInt64(frame.length - 48)
        // More than any zstd frame of that size can expand to: refused by the header check.
        try damage(directory, frame, reseal: true) { bytes, offset in
            bytes.store(UInt32(min(stored * 32768 + 1, UInt64(UInt32.max))), at: offset + 40)
        }
        try expectCorruption(directory, at: frame, before: before, "cannot expand")
    }

    @Test func aZstdLengthOtherThanTheFrameDeclaresIsRejected() async throws {
        let (directory, before, _) = try await makeCompactedLog()
        let frame = try #require(try zstdFrames(directory).first)
        let path = directory.file(directory.segmentFiles[0])
        let original = try fileBytes(path)
        let stored = UInt64(frame.length - 48)
        let real = original.u32(at: Int(frame.offset) + 40)
        // Within the bound (hundreds of MiB), but not what the frame holds: refused before any of it
        // is allocated (the output grows only with the bytes really decoded); one byte short, too.
        for length in [UInt32(min(stored * 32768, UInt64(Int32.max))), real - 1] {
            try Data(original).write(to: URL(fileURLWithPath: path))
            try damage(directory, frame, reseal: true) { bytes, offset in bytes.store(length, at: offset + 40) }
            try expectCorruption(directory, at: frame, before: before)
        }
    }
}
