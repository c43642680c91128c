import ArgumentParser
import EventStore
import Foundation
import GRDB
import Projections

/// `clickunlock rebuild`: rebuild projections from the log.
struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild projections from the log (all, one, or as of a position or time), or check them.",
        discussion: """
            Without --output, the rebuilt database replaces DATA_DIR/projections.sqlite atomically; that needs \
            the service stopped (it holds the log), and is refused while it runs. --output FILE and --check only \
            read the log and the live database, so they are safe while the service runs.
            Exit codes: 0 done (with --check: identical); 1 --check found differences; 64 bad arguments; \
            65 the log is corrupt; 66 no log; 74 a read or write failed; 75 the service is running.
            """)

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "Directory of segments moved out by `log archive`: read them before the live log.")
    var archive: String?
    @Option(
        help:
            "Rebuild only this projection (\(ProjectionSettings().projections().map(\.name).joined(separator: ", "))).")
    var projection: String?
    @Option(
        name: .customLong("until-position"),
        help: "Build the projections as they were at this log position (needs --output).")
    var untilPosition: UInt64?
    @Option(
        name: .customLong("until-time"),
        help: "Build the projections as they were at this RFC 3339 time (needs --output).")
    var untilTime: String?
    @Option(help: "Write the rebuilt database to this file instead of replacing the live one.")
    var output: String?
    @Flag(help: "Rebuild into a temporary file and compare it with the live projections, table by table.")
    var check = false

    func validate() throws {
        let names = ProjectionSettings().projections().map(\.name)
        if let projection, !names.contains(projection) {
            throw ValidationError("no projection named '\(projection)'; there are: \(names.joined(separator: ", "))")
        }
        if (untilPosition != nil || untilTime != nil) && output == nil {
            throw ValidationError("--until-position and --until-time build a past state: give --output FILE for it")
        }
        if untilPosition != nil && untilTime != nil {
            throw ValidationError("give --until-position or --until-time, not both")
        }
        if let untilTime, TimeFormat.parse(untilTime) == nil {
            throw ValidationError("--until-time '\(untilTime)' is not an RFC 3339 time (e.g. 2026-11-24T18:00:00Z)")
        }
        if check && (output != nil || untilPosition != nil || untilTime != nil || projection != nil) {
            throw ValidationError("--check compares everything with the live database; it takes no other option")
        }
        if let output, output == livePath { throw ValidationError("--output must not be the live database") }
    }

    var livePath: String { data.dataDirectory + "/projections.sqlite" }

    func run() async throws {
        guard LogFS.isLog(data.logDirectory) else {
            printError("no event log at \(data.logDirectory)")
            throw ExitCodes.noInput
        }
        // The settings the live projections were built with (`serve --reporting-time-zone`, say).
        let settings: ProjectionSettings
        do {
            settings = try ProjectionSettings.stored(atPath: livePath)
        } catch {
            printError(
                "cannot read the projections' settings from \(livePath): \(error); rebuild with the defaults "
                    + "by moving that file away")
            throw ExitCodes.ioError
        }
        let removed = ScratchDatabase.removeLeftovers(in: data.dataDirectory)
        if !removed.isEmpty { printError(ScratchDatabase.describe(removed)) }
        let engine = ProjectionEngine(projections: settings.projections())
        var rebuilder = Rebuilder(logDirectory: data.logDirectory, engine: engine)
        rebuilder.archiveDirectory = archive
        do {
            if check {
                try runCheck(rebuilder)
            } else if let output {
                try buildFile(rebuilder, at: output)
            } else {
                try replaceLive(rebuilder)
            }
        } catch let error as EventLogError {
            throw reportFailure(error)
        } catch let error as DatabaseError {
            printError("database error: \(error.message ?? "SQLite code \(error.resultCode)")")
            throw ExitCodes.ioError
        }
    }

    private func buildFile(_ rebuilder: Rebuilder, at path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            printError("\(path) exists; remove it or choose another --output")
            throw ExitCodes.ioError
        }
        let limit: Rebuilder.Limit =
            untilPosition.map { .position($0) } ?? untilTime.flatMap(TimeFormat.parse).map { .time($0) } ?? .end
        let queue = try ProjectionDatabase.openScratch(path: path)
        let last = try rebuilder.build(into: queue, limit: limit, progress: ProgressLine.report)
        try ProjectionDatabase.seal(queue)
        ProgressLine.finish()
        print("built projections up to position \(last) into \(path)")
    }

    private func replaceLive(_ rebuilder: Rebuilder) throws {
        guard let lock = try MaintenanceLock.acquire(directory: data.logDirectory) else {
            printError(
                "the service is running (it holds \(data.logDirectory)/LOCK): stop it to swap rebuilt projections in, "
                    + "or use --output FILE or --check, which leave the live database alone")
            throw ExitCodes.busy
        }
        let scratch = ScratchDatabase.path(.rebuild, in: data.dataDirectory)
        defer { ScratchDatabase.remove(scratch) }
        let queue = try ProjectionDatabase.openScratch(path: scratch)
        if let projection, FileManager.default.fileExists(atPath: livePath) {
            // Keep the other projections as they are; rebuild this one from position 1.
            let live = try DatabaseQueue(path: livePath)
            try live.backup(to: queue)
            try queue.write { db in try ProjectionEngine.reset(projection, in: rebuilder.engine, db) }
        }
        let last = try rebuilder.build(into: queue, progress: ProgressLine.report)
        try ProjectionDatabase.seal(queue)
        try queue.close()
        ProgressLine.finish()
        // The old database's WAL belongs to it alone: it must not be replayed into the new file.
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: livePath + suffix) }
        guard rename(scratch, livePath) == 0 else {
            printError("could not move the rebuilt database into place: \(String(cString: strerror(errno)))")
            throw ExitCodes.ioError
        }
        withExtendedLifetime(lock) {}
        print("rebuilt \(projection ?? "all projections") up to position \(last): \(livePath)")
    }

    private func runCheck(_ rebuilder: Rebuilder) throws {
        guard FileManager.default.fileExists(atPath: livePath) else {
            printError("no projections at \(livePath): nothing to check")
            throw ExitCodes.noInput
        }
        let live = try ProjectionDatabase.openReadOnly(path: livePath)
        let scratch = ScratchDatabase.path(.check, in: data.dataDirectory)
        defer { ScratchDatabase.remove(scratch) }
        // One read transaction: the live rows and checkpoints compared are one snapshot.
        let differences = try live.read { liveDB in
            let states = try ProjectionState.all(liveDB)
            let queue = try ProjectionDatabase.openScratch(path: scratch)
            try rebuilder.build(into: queue, checkpoints: states.mapValues(\.checkpoint), progress: ProgressLine.report)
            ProgressLine.finish()
            return try queue.read { rebuilt in
                var differences: [ProjectionComparison.Difference] = []
                for projection in rebuilder.engine.projections {
                    let checkpoint = states[projection.name]?.checkpoint ?? 0
                    let rebuiltCheckpoint = try ProjectionState.all(rebuilt)[projection.name]?.checkpoint ?? 0
                    if checkpoint != rebuiltCheckpoint {
                        differences.append(
                            .init(
                                table: "projection_state", onlyInFirst: ["\(projection.name) checkpoint=\(checkpoint)"],
                                onlyInSecond: ["\(projection.name) checkpoint=\(rebuiltCheckpoint)"], count: 1))
                    }
                    differences += try ProjectionComparison.compare(liveDB, rebuilt, tables: projection.tables)
                }
                return differences
            }
        }
        if differences.isEmpty {
            print("projections are identical to a rebuild from the log")
            return
        }
        for difference in differences {
            print("\(difference.table): \(difference.count) row(s) differ")
            for row in difference.onlyInFirst { print("  live only:    \(row)") }
            for row in difference.onlyInSecond { print("  rebuilt only: \(row)") }
        }
        throw ExitCode(1)
    }

}

/// A progress line on a terminal (stderr), rewritten in place; silent when stderr is not a terminal.
enum ProgressLine {
    static func report(_ progress: Rebuilder.Progress) {
        guard isatty(2) == 1 else { return }
        let remaining = progress.lastPosition > progress.position ? progress.lastPosition - progress.position : 0
        let eta = progress.eventsPerSecond > 0 ? Int(Double(remaining) / progress.eventsPerSecond) : 0
        writeAll(
            to: 2,
            Array(
                ("\rrebuilding: position \(progress.position) of \(progress.lastPosition), "
                    + "\(Int(progress.eventsPerSecond)) events/s, ETA \(eta) s   ").utf8))
    }

    static func finish() {
        if isatty(2) == 1 { writeAll(to: 2, Array("\n".utf8)) }
    }
}
