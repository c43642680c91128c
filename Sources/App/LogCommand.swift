import ArgumentParser
import EventStore

/// `clickunlock log ...`: inspect the event log.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Inspect the event log.",
        subcommands: [LogStatsCommand.self, LogVerifyCommand.self, LogCrashWriterCommand.self]
    )
}

struct LogStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Segments, events, bytes on disk vs uncompressed, first and last time.")

    @OptionGroup var data: DataDirectoryOptions

    func run() async throws {
        do {
            let reader = try LogReader.open(directory: data.logDirectory)
            let stats = try reader.stats()
            let output = Output()
            output.write("log:                \(data.logDirectory)\n")
            output.write("segments:           \(stats.segments)\n")
            output.write("batches:            \(stats.batches)\n")
            output.write("events:             \(stats.events)\n")
            if let first = stats.firstPosition, let last = stats.lastPosition {
                output.write("positions:          \(first)-\(last)\n")
            }
            output.write("bytes on disk:      \(stats.bytesOnDisk)\n")
            output.write("bytes uncompressed: \(stats.uncompressedBytes)\n")
            output.write("compression ratio:  \(String(format: "%.2f", stats.compressionRatio))x\n")
            if let first = stats.firstTimestamp, let last = stats.lastTimestamp {
                output.write("first event:        \(TimeFormat.rfc3339(milliseconds: first))\n")
                output.write("last event:         \(TimeFormat.rfc3339(milliseconds: last))\n")
            }
            if reader.recovery.truncatedBytes > 0 { output.write("note:               \(reader.recovery)\n") }
            output.flush()
        } catch {
            throw reportFailure(error)
        }
    }
}

struct LogVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every batch (checksums, decoding, positions). Exit code 0 only when all are sound.",
        discussion: "Exit codes: 0 sound; 2 problems found (each printed); 65 the log cannot be opened (corrupt); 66 no log.")

    @OptionGroup var data: DataDirectoryOptions

    func run() async throws {
        let report: VerifyReport
        do {
            report = try LogReader.open(directory: data.logDirectory).verify()
        } catch {
            // Opening verifies the unindexed tail; name what it found, then go through every batch
            // even so, listing every problem.
            guard error.code == .corruption else { throw reportFailure(error) }
            printError(error.message)
            throw ExitCodes.corrupt
        }
        let output = Output()
        output.write("segments: \(report.segments), batches: \(report.batches), events: \(report.events)\n")
        for problem in report.problems { output.write("problem: \(problem)\n") }
        output.write(report.isSound ? "log is sound\n" : "log has \(report.problems.count) problem(s)\n")
        output.flush()
        if !report.isSound { throw ExitCodes.incomplete }
    }
}
