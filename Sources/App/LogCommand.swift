import ArgumentParser
import EventStore

/// `clickunlock log ...`: inspect and repair the event log.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Inspect and repair the event log.",
        subcommands: [
            LogStatsCommand.self, LogVerifyCommand.self, LogRepairCommand.self, LogCompactCommand.self,
            LogCrashWriterCommand.self, LogArchiveCommand.self,
        ]
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
            if reader.recovery.truncatedBytes > 0 || !reader.recovery.damaged.isEmpty {
                output.write("note:               \(reader.recovery)\n")
            }
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
        discussion:
            "Exit codes: 0 sound; 2 problems found (each printed); 65 the log cannot be opened (corrupt); 66 no log.")

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
        if !report.isSound {
            output.write(
                "to mend it: stop the service, then `clickunlock log repair --data-dir \(data.dataDirectory)` "
                    + "moves the damaged bytes into quarantine and keeps every sound batch at its position\n")
        }
        output.flush()
        if !report.isSound { throw ExitCodes.incomplete }
    }
}

struct LogRepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Move damaged batches into quarantine, keeping every sound batch at its position (service stopped).",
        discussion: """
            Reads every batch of every segment. Each damaged stretch with sound batches after it is moved, byte for \
            byte, into DIR/log/quarantine/<segment>-<offset>.bin (never deleted), and the positions it held are \
            filled with placeholder events of type log.quarantined naming that file: no position changes. A torn \
            tail of the last segment (nothing sound after it; never acknowledged) is cut, as opening the log would, \
            a copy kept in quarantine. Refuses while the service, or anything else, has the log open for writing.
            Exit codes: 0 repaired, or nothing to repair; 65 damage it cannot mend (a segment header: restore it \
            from a backup); 66 no log; 74 reading or writing failed; 75 the log is open for writing.
            """)

    @OptionGroup var data: DataDirectoryOptions

    func run() async throws {
        let report: RepairReport
        do {
            report = try LogRepair.repair(directory: data.logDirectory)
        } catch {
            throw reportFailure(error)
        }
        let output = Output()
        output.write("log: \(data.logDirectory)\n")
        for action in report.actions {
            output.write("\(action.kind.label) \(action.segment) at byte offset \(action.offset): ")
            output.write("\(action.bytes) bytes (\(action.reason))\n")
            if let file = action.quarantineFile { output.write("  quarantined in \(file)\n") }
            if let positions = action.positions {
                output.write(
                    "  positions \(positions.lowerBound)-\(positions.upperBound) now hold "
                        + "\(LogRepair.placeholderType) placeholder events\n")
            }
        }
        if !report.rewrittenSegments.isEmpty {
            let segments = report.rewrittenSegments.joined(separator: ", ")
            output.write("rewrote \(segments) (every sound batch kept as it was)\n")
        }
        if !report.removedIndexes.isEmpty {
            output.write("removed index caches that did not match: \(report.removedIndexes.joined(separator: ", "))\n")
        }
        output.write(
            report.foundNothing
                ? "nothing to repair in \(report.segments) segment(s): every batch is sound\n"
                : "repaired; `clickunlock log verify --data-dir \(data.dataDirectory)` checks the result\n")
        output.flush()
    }
}

extension RepairReport.Action.Kind {
    fileprivate var label: String {
        switch self {
        case .quarantined: return "quarantined damaged bytes in"
        case .cutTornTail: return "cut a torn tail (never acknowledged) of"
        case .filledGap: return "filled missing positions in"
        case .removedIncompleteSegment: return "removed a segment whose creation was cut short:"
        }
    }
}
