import ArgumentParser
import EventStore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `clickunlock log compact`: rewrites the sealed segments into large Zstandard (or LZ4 HC) batches by hand,
/// while the service is stopped (the service does it in the background itself).
struct LogCompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rewrite sealed segments into large zstd batches: same events, same positions (service stopped).",
        discussion: """
            Each sealed segment (not the last one) still in small batches is rewritten beside itself into batches of \
            about --batch-bytes uncompressed bytes (--codec zstd, the default, or lz4hc), read back (every \
            record's CRC-32C must equal the old one's), \
            then renamed over the old segment. A crash or kill at any point leaves the old segment or the new one, \
            never a mix. A running service compacts its own log in the background (setting log_compaction), so \
            this refuses while the log is open for writing.
            Exit codes: 0 done (or nothing to do); 65 a damaged segment (run `log verify`, then `log repair`); \
            66 no log; 74 reading or writing failed; 75 the log is open for writing.
            """)

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "Compression of the rewritten batches: zstd (smaller) or lz4hc (faster).")
    var codec = CompactionOptions().codec.rawValue
    @Option(
        help: ArgumentHelp(
            "Level of --codec: zstd 1 to 22, lz4hc 3 to 12 (default: zstd \(CompactionCodec.zstd.defaultLevel), "
                + "lz4hc \(CompactionCodec.lz4hc.defaultLevel)).",
            valueName: "level"))
    var level: Int?
    @Option(help: "Uncompressed bytes per rewritten batch (65536 to 16777216).")
    var batchBytes = CompactionOptions().batchBytes
    @Flag(help: "Compact the last segment too (the next writer appends after its large batches).")
    var includingLast = false
    @Option(help: .hidden) var pauseMilliseconds = 0

    func validate() throws {
        let names = CompactionCodec.allCases.map(\.rawValue).joined(separator: " or ")
        guard let codec = CompactionCodec(rawValue: codec) else {
            throw ValidationError("--codec must be \(names), not \(codec)")
        }
        if let level, !codec.levels.contains(level) {
            throw ValidationError(
                "--level must be \(codec.levels.lowerBound) to \(codec.levels.upperBound) for --codec "
                    + "\(codec.rawValue), not \(level)")
        }
        guard (65536...(16 << 20)).contains(batchBytes) else {
            throw ValidationError("--batch-bytes must be 65536 to 16777216, not \(batchBytes)")
        }
    }

    func run() async throws {
        let options = CompactionOptions {
            $0.codec = CompactionCodec(rawValue: codec) ?? .zstd
            $0.level = level ?? 0
            $0.batchBytes = batchBytes
        }
        let pause = pauseMilliseconds
        let report: CompactionReport
        do {
            // A test kills this mid-way: with a pause, each batch written is announced first.
            report = try LogCompaction.compact(
                directory: data.logDirectory, options: options, includingLast: includingLast
            ) { _ in
                if pause > 0 {
                    printNow("batch")
                    usleep(UInt32(pause) * 1000)
                }
                return true
            }
        } catch {
            throw reportFailure(error)
        }
        let output = Output()
        output.write("log: \(data.logDirectory)\n")
        output.write("codec: \(options.codec.rawValue) level \(options.effectiveLevel)\n")
        for segment in report.compacted {
            output.write(
                "compacted \(segment.name): \(segment.bytesBefore) → \(segment.bytesAfter) bytes, "
                    + "\(segment.batchesBefore) → \(segment.batchesAfter) batches, \(segment.events) events\n")
        }
        for skip in report.skipped { output.write("left \(skip.name): \(skip.reason)\n") }
        if report.compacted.isEmpty {
            output.write("nothing to compact\n")
        } else {
            let ratio = Double(report.bytesBefore) / Double(max(1, report.bytesAfter))
            output.write(
                "\(report.compacted.count) segment(s): \(report.bytesBefore) → \(report.bytesAfter) bytes "
                    + "(\(String(format: "%.2f", ratio))× smaller)\n")
        }
        output.flush()
    }
}
