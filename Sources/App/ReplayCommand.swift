import ArgumentParser
import EventStore

#if canImport(Glibc)
import Glibc
#endif

/// `clickunlock replay`: prints events from the log, for debugging.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Print events from the log (filter by position, time, type, stream; follow the tail).",
        discussion: """
            Exit codes: 0 done (an empty log prints nothing and says so on stderr); 2 done but corrupt \
            batches were skipped (--skip-corrupt); 65 a corrupt batch stopped the replay; 66 no log in \
            the data directory; 74 a read failed.
            """
    )

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "Directory of segments moved out by `log archive`: read them before the live log.")
    var archive: String?

    @Option(help: "First position to print.") var from: UInt64?
    @Option(help: "Last position to print.") var to: UInt64?
    @Option(help: "Print events recorded at or after this RFC 3339 time.") var since: String?
    @Option(help: "Print events recorded before this RFC 3339 time.") var until: String?
    @Option(name: .customLong("type"), help: "Event type or type prefix (e.g. `delivery.`); repeatable.")
    var types: [String] = []
    @Option(help: "Only events of this stream (e.g. a wa_id or a delivery id).") var stream: String?
    @Flag(help: "Keep printing new events until interrupted.") var follow = false
    @Option(help: "Output format: jsonl or text.") var format: String = "jsonl"
    @Flag(help: "Include raw webhook bodies (as `raw` in data).") var raw = false
    @Flag(name: .customLong("skip-corrupt"), help: "Go on past corrupt batches and report what was skipped.")
    var skipCorrupt = false

    func validate() throws {
        guard EventPrinter.Format(rawValue: format) != nil else {
            throw ValidationError("--format must be jsonl or text, not '\(format)'")
        }
        if let since, TimeFormat.parse(since) == nil {
            throw ValidationError("--since '\(since)' is not an RFC 3339 time (e.g. 2026-11-24T09:00:00Z)")
        }
        if let until, TimeFormat.parse(until) == nil {
            throw ValidationError("--until '\(until)' is not an RFC 3339 time (e.g. 2026-11-24T18:00:00Z)")
        }
        if let from, let to, to < from { throw ValidationError("--to \(to) is before --from \(from)") }
        if from == 0 { throw ValidationError("positions start at 1") }
    }

    func run() async throws {
        let reader: LogReader
        do {
            reader = try LogReader.open(directory: data.logDirectory, archive: archive)
        } catch {
            throw reportFailure(error)
        }
        if reader.recovery.truncatedBytes > 0 { printError(reader.recovery.description) }
        if reader.lastPosition == 0 && !follow {
            printError("the log in \(data.logDirectory) is empty: no events to print")
            return
        }
        let printer = EventPrinter(format: EventPrinter.Format(rawValue: format)!, includeRaw: raw)
        let filter = ReplayFilter(
            since: since.flatMap(TimeFormat.parse), to: to, until: until.flatMap(TimeFormat.parse), types: types,
            stream: stream)
        let output = Output()
        var skipped: [SkippedRange] = []
        var next = from ?? 1
        var seekTime = filter.since
        do {
            while true {
                // The first pass seeks by time through the index when --since is given.
                let events =
                    seekTime.map { reader.events(since: $0, skipCorrupt: skipCorrupt) }
                    ?? reader.events(from: next, skipCorrupt: skipCorrupt)
                seekTime = nil
                var iterator = events.makeAsyncIterator()
                while let batch = try iterator.nextBatch() {
                    for event in batch where event.position >= next {
                        if filter.isPastEnd(event) {
                            output.flush()
                            return try finish(skipped + iterator.skipped)
                        }
                        if filter.matches(event) { output.write(printer.line(for: event) + "\n") }
                    }
                    next = max(next, batch[batch.count - 1].position + 1)
                }
                skipped += iterator.skipped
                output.flush()
                guard follow else { break }
                try await Task.sleep(for: .milliseconds(200))
                try reader.refresh()
            }
        } catch let error as EventLogError {
            output.flush()
            throw reportFailure(error)
        }
        try finish(skipped)
    }

    private func finish(_ skipped: [SkippedRange]) throws {
        guard !skipped.isEmpty else { return }
        for range in skipped { printError(range.description) }
        printError("replay finished, but \(skipped.count) damaged range(s) were skipped")
        throw ExitCodes.incomplete
    }
}

/// The filters of `replay` other than the start (which the reader seeks to).
struct ReplayFilter {
    var since: Int64?
    var to: UInt64?
    var until: Int64?
    var types: [String]
    var stream: String?

    func isPastEnd(_ event: RecordedEvent) -> Bool {
        if let to, event.position > to { return true }
        if let until, event.timestamp >= until { return true }
        return false
    }

    func matches(_ event: RecordedEvent) -> Bool {
        if let since, event.timestamp < since { return false }
        if !types.isEmpty && !types.contains(where: { event.type.hasPrefix($0) }) { return false }
        if let stream, event.stream != stream { return false }
        return true
    }
}
