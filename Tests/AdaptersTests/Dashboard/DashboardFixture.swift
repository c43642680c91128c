import EventStore
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MetaWebhook
import NIOCore
import Projections
import Synchronization

@testable import Adapters

/// A real log in a temporary directory, the projector following it, the projections' file read
/// through the read-only pool: what the dashboard port reads in `serve`.
final class DashboardFixture: @unchecked Sendable {
    static let token = "dashboard-token-for-the-tests"

    let temp = TempLog()
    let log: EventLog
    let projector: Projector
    let readers: DatabasePool
    private var running: Task<Void, any Error>?

    /// `events` are appended before the projector starts.
    init(events: [[NewEvent]] = []) async throws {
        log = try EventLog.open(directory: temp.log, configuration: .init { $0.durability = .unsafeNone })
        for batch in events { try await log.append(batch) }
        let path = temp.path + "/projections.sqlite"
        projector = try Projector(
            log: log, database: try ProjectionDatabase.openPool(path: path),
            engine: ProjectionEngine(projections: ProjectionSettings().projections()))
        readers = try ProjectionDatabase.openReadOnlyPool(path: path)
    }

    var reader: ProjectionReader { ProjectionReader(pool: readers, projector: projector, log: log) }

    /// `onBatch`: after each commit (the live feed's hub reads then).
    func startProjector(onBatch: @escaping @Sendable (UInt64) -> Void = { _ in }) {
        let projector = projector
        running = Task { try await projector.run(onBatch: onBatch) }
    }

    /// Appends `events` and waits until the projections have applied them.
    @discardableResult
    func append(_ events: [NewEvent]) async throws -> UInt64 {
        let position = try await log.append(events).upperBound - 1
        try await waitForProjections(position)
        return position
    }

    func waitForProjections(_ position: UInt64) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while projector.progress.position < position {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func stop() async {
        running?.cancel()
        _ = try? await running?.value
        await log.close()
    }

    /// The service's dashboard API over this fixture.
    func application(
        _ configuration: DashboardAPI.Configuration = .withToken, ready: @escaping @Sendable () -> Bool = { true },
        projectorRunning: @escaping @Sendable () -> Bool = { true }, logger: Logger = Logger(label: "dashboard-test")
    ) throws -> some ApplicationProtocol {
        let telemetry = ServiceTelemetry(dataDirectory: temp.path)
        telemetry.watch(log: log)
        let parts = DashboardAPI.Parts(
            reader: reader, ready: ready, templates: nil, telemetry: telemetry, projectorRunning: projectorRunning)
        let router = try DashboardAPI.router(configuration: configuration, parts: parts, logger: logger)
        return DashboardAPI.application(router: router, configuration: configuration, logger: logger)
    }

    /// `routes` behind the frame, with `access` (e.g. a throttle of its own).
    static func application(
        _ configuration: DashboardAPI.Configuration = .withToken, routes: [DashboardRoute],
        access: DashboardAccess? = nil, logger: Logger = Logger(label: "dashboard-test")
    ) throws -> some ApplicationProtocol {
        let router = try DashboardAPI.router(
            configuration: configuration, routes: routes, logger: logger, access: access)
        return DashboardAPI.application(router: router, configuration: configuration, logger: logger)
    }
}

extension DashboardAPI.Configuration {
    /// Loopback, a free port, the tests' token.
    static var withToken: Self {
        var configuration = Self()
        configuration.port = 0
        configuration.token = DashboardFixture.token
        return configuration
    }
}

/// Headers with the tests' bearer token (or `token`).
func bearer(_ token: String = DashboardFixture.token, _ more: HTTPFields = [:]) -> HTTPFields {
    var headers = more
    headers[.authorization] = "Bearer \(token)"
    return headers
}

/// A button tap from `contact`, as ingestion appends it (the facts of a signed webhook).
func tap(_ wamid: String, from contact: String = "919800000001") -> [NewEvent] {
    WebhookParser.parse(clickBody(wamid: wamid, from: contact)).facts
}

/// The error body's fields.
struct ErrorBody: Decodable {
    struct Detail: Decodable {
        let code: String
        let message: String
        let parameter: String?
    }
    let error: Detail
}

func errorBody(_ response: TestResponse) throws -> ErrorBody.Detail {
    try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body)).error
}

func json(_ response: TestResponse) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
}

func text(_ response: TestResponse) -> String { String(buffer: response.body) }
