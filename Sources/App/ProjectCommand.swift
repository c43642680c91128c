import ArgumentParser
import EventStore
import Projections

/// `clickunlock project`: runs the projector alone until killed, printing `caught-up POSITION`
/// whenever it reaches the end of the log. A testing aid (and a way to catch projections up
/// without the service); hidden.
struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "Run the projector alone until interrupted (testing aid).",
        shouldDisplay: false)

    @OptionGroup var data: DataDirectoryOptions

    func run() async throws {
        do {
            let log = try EventLog.open(directory: data.logDirectory)
            let database = try ProjectionDatabase.openPool(path: data.dataDirectory + "/projections.sqlite")
            // The settings the projections were built with (as `rebuild` keeps them).
            let settings = try await database.read { try ProjectionSettings.stored($0) }
            let projector = try Projector(
                log: log, database: database, engine: ProjectionEngine(projections: settings.projections()))
            for reset in projector.resets { printError("rebuilding projection \(reset)") }
            let status = projector.status()
            writeAll(to: 1, Array("resumed \(status.appliedPosition) of \(status.logPosition)\n".utf8))
            if status.lag == 0 { writeAll(to: 1, Array("caught-up \(status.appliedPosition)\n".utf8)) }
            try await projector.run { position in
                if position >= log.lastPosition { writeAll(to: 1, Array("caught-up \(position)\n".utf8)) }
            }
        } catch let error as EventLogError {
            throw reportFailure(error)
        }
    }
}
