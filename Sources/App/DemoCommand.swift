import Adapters
import ArgumentParser
import AsyncHTTPClient
import Configuration
import Delivery
import EventStore
import Foundation
import GRDB
import Hummingbird
import Logging
import NIOPosix
import Projections
import ServiceLifecycle

/// `clickunlock demo`: the whole product on this machine. It runs the service (webhook listener,
/// projector, delivery saga, dashboard) against the built-in Graph API simulator, whose virtual
/// advisors tap the daily template's button; it sends them the template, keeps the crowd busy
/// (`DemoCrowd`), prints the dashboard's one-click sign-in link and a live summary line (read from
/// the projections) until interrupted or `--duration` passes.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: """
            Run the service, the Graph API simulator and virtual advisors locally: template → taps → delivered \
            content.
            """)

    @Option(name: .customLong("data-dir"), help: "The demo's own data directory (started afresh unless --keep).")
    var dataDirectory = "./data/demo"
    @Option(help: "Virtual advisors to send the template to.") var contacts = 25
    @Option(help: "Stop after this many seconds (default: run until interrupted).") var duration: Double?
    @Option(name: .customLong("webhook-port"), help: "Webhook port (default 0: a free one).") var webhookPort = 0
    @Option(name: .customLong("sim-port"), help: "Simulator port (default 0: a free one).") var simPort = 0
    @Option(
        name: .customLong("api-port"),
        help: """
            Dashboard port on 127.0.0.1, the web dashboard and its API (default 0: a free one); behind a token made \
            up for this run (or CLICKUNLOCK_DASHBOARD_TOKEN when that is set).
            """)
    var apiPort = 0
    @Option(name: .customLong("ws-port"), help: "The live feed's own WebSocket port (default 0: a free one).")
    var wsPort = 0
    @Flag(name: .customLong("dashboard-open"), help: "Serve the dashboard without a token (loopback only).")
    var dashboardOpen = false
    @Flag(help: "Print only the dashboard's address (for scripts); no banner, no summary line.") var quiet = false
    @Flag(
        inversion: .prefixedNo,
        help: "Let the simulator inject occasional faults (131047, a 130429 burst each minute, timeouts).")
    var faults = true
    @Flag(help: "Keep the data directory's earlier events instead of starting afresh.") var keep = false
    @Option(name: .customLong("tap-after-ms"), help: "How long a virtual advisor takes to tap.") var tapAfterMs: Int64 =
        400

    static let marker = ".clickunlock-demo"

    func validate() throws {
        guard (1...100_000).contains(contacts) else { throw ValidationError("--contacts must be 1 to 100000") }
        if let duration, !(duration > 0 && duration <= 31_536_000) {
            throw ValidationError("--duration must be a number of seconds, more than 0 and at most 31536000 (a year)")
        }
        guard (0...3_600_000).contains(tapAfterMs) else { throw ValidationError("--tap-after-ms must be 0 to 3600000") }
    }

    func run() async throws {
        try prepareDirectory()
        guard let simPort = simPort == 0 ? freeLocalPort() : simPort,
            let webhookPort = webhookPort == 0 ? freeLocalPort() : webhookPort,
            let apiPort = apiPort == 0 ? freeLocalPort() : apiPort,
            let wsPort = wsPort == 0 ? freeLocalPort() : wsPort
        else {
            printError("no free local port for the demo")
            throw ExitCodes.ioError
        }
        // Secrets made up for this run only, never stored: the app secret and the Graph token are
        // never printed; the dashboard token is, in the one-click link's fragment (unless it came
        // from CLICKUNLOCK_DASHBOARD_TOKEN, which the operator already has).
        let secret = Self.randomToken()
        let token = Self.randomToken()
        let number = "100000000000001"
        let crowd = DemoCrowd(contacts: contacts)
        // The service's configuration, as `serve` reads it, with the demo's own values on top; of
        // the environment only LOG_LEVEL (warnings by default) and the dashboard token count.
        var environment = ProcessInfo.processInfo.environment.filter {
            $0.key == "LOG_LEVEL" || $0.key == "CLICKUNLOCK_DASHBOARD_TOKEN"
        }
        let dashboardOpen = self.dashboardOpen
        let givenToken = environment["CLICKUNLOCK_DASHBOARD_TOKEN"]
        let dashboardToken = dashboardOpen ? nil : givenToken ?? Self.randomToken()
        if dashboardOpen { environment["CLICKUNLOCK_DASHBOARD_TOKEN"] = nil }
        var reader = SettingsReader(environment: environment)
        reader.command = (
            "demo",
            [
                "data_dir": .string(dataDirectory), "host": .string("127.0.0.1"), "webhook_port": .int(webhookPort),
                "app_secret": .string(secret), "verify_token": .string(Self.randomToken()),
                "access_token": .string(token),
                "phone_number_ids": .stringArray([number]), "graph_base_url": .string("http://127.0.0.1:\(simPort)"),
                "confirmation_wait_ms": .int(10_000), "authorized_contacts": .stringArray(crowd.authorized),
                "api_host": .string("127.0.0.1"), "api_port": .int(apiPort), "dashboard_open": .bool(dashboardOpen),
                "ws_port": .int(wsPort),
            ].merging(dashboardToken.map { ["dashboard_token": .string($0)] } ?? [:]) { _, demo in demo }
        )
        var settings: ServiceConfiguration
        do {
            settings = try await reader.read()
        } catch {
            printError(error.description)
            throw ExitCode(78)
        }
        // Errors only by default: the faults the demo injects on purpose would print warnings all along.
        if settings.sources["log_level"] == nil { settings.logLevel = .error }
        let logger = settings.logger()

        let webhookURL = "http://127.0.0.1:\(webhookPort)/webhook"
        let simulator = crowd.simulator(
            SimulatorConfiguration(accessToken: token, webhookURL: webhookURL, appSecret: secret),
            tapAfterMs: tapAfterMs, faults: faults)
        let advisors = crowd.advisors

        let http = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton))
        let sim = GraphSimulator(configuration: simulator, http: http, logger: logger)
        let simApp = Application(
            router: sim.router(),
            configuration: .init(address: .hostname("127.0.0.1", port: simPort), serverName: "graph-sim"),
            logger: logger)
        // Both ports listen before anything is printed: a script may open the address at once.
        let ready = ReadySignal()
        let dashboardReady = ReadySignal()
        let assembly = try await ServiceAssembly.open(
            configuration: settings, logger: logger, onReady: { _ in ready.signal() },
            onAPIReady: { _ in dashboardReady.signal() })
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: simApp)] + assembly.services, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))

        let dashboard = DemoDashboard(
            port: apiPort, feedPort: wsPort, token: dashboardToken,
            tokenFromEnvironment: givenToken != nil && !dashboardOpen)
        let quiet = self.quiet
        let dataDirectory = self.dataDirectory
        let contacts = self.contacts
        let tapAfterMs = self.tapAfterMs
        let banner: @Sendable () -> Void = {
            if quiet {
                printNow(dashboard.address)
                return
            }
            printNow("ClickUnlock demo: data in \(dataDirectory) (event log, projections.sqlite, content.yaml)")
            printNow(
                "  webhook listener  \(webhookURL)   "
                    + "(signatures checked with a secret made up for this run)")
            printNow(
                "  Graph API sim     http://127.0.0.1:\(simPort)   "
                    + "(virtual advisors tap the template's button after \(tapAfterMs) ms)")
            dashboard.printUsage()
            printNow(
                "sending daily_content_ready_v1 to \(contacts) virtual advisors, then to a few more every few "
                    + "seconds; every tap unlocks a 6-message pack. Ctrl-C stops.")
        }
        let duration = self.duration
        let templates = assembly.templates
        let outcome: Result<Void, any Error>
        do {
            try await withThrowingTaskGroup(of: Bool.self) { tasks in
                tasks.addTask {
                    try await group.run()
                    return true
                }
                tasks.addTask {
                    await ready.wait()
                    await dashboardReady.wait()
                    banner()
                    // The service's own template sender (what `send-template --server` reaches);
                    // delivery is always configured here.
                    guard let templates else { return false }
                    let request = try TemplateRequest(recipients: advisors, force: true).validated()
                    let summary = try await templates.send(request)
                    if !quiet { printNow("templates: \(summary.sent) accepted, \(summary.failed) failed") }
                    // The crowd keeps coming until the summary's duration ends (or Ctrl-C).
                    try await withThrowingTaskGroup(of: Void.self) { crowdTasks in
                        crowdTasks.addTask {
                            await crowd.keepAlive(templates: templates, http: http, webhookURL: webhookURL) { line in
                                if !quiet { printError(line) }
                            }
                        }
                        try await Self.printSummaries(assembly.projector.database, duration: duration, quiet: quiet)
                        crowdTasks.cancelAll()
                    }
                    await group.triggerGracefulShutdown()
                    return false
                }
                // Interrupted (the service group ended first): stop the summary; else let the group finish.
                if try await tasks.next() == true { tasks.cancelAll() }
                try await tasks.waitForAll()
            }
            outcome = .success(())
        } catch is CancellationError {
            outcome = .success(())  // Ctrl-C while the summary was printing
        } catch {
            outcome = .failure(error)
        }
        // Whatever ended the run, the HTTP clients are shut down before they go away.
        await assembly.shutdown()
        try? await http.shutdown()
        try outcome.get()
        if quiet { return }
        printNow(
            "\nexplore: .build/debug/clickunlock replay --data-dir \(dataDirectory) "
                + "--format text --type delivery. | less")
        printNow("         sqlite3 \(dataDirectory)/projections.sqlite 'SELECT * FROM deliveries'")
    }

    /// One summary line a second (rewritten in place on a terminal) until the duration ends.
    private static func printSummaries(_ database: DatabasePool, duration: Double?, quiet: Bool) async throws {
        let clock = ContinuousClock()
        let end = duration.map { clock.now + .milliseconds(Int64($0 * 1000)) }
        let interactive = isatty(1) != 0
        var last = ""
        while end.map({ clock.now < $0 }) ?? true {
            try await Task.sleep(for: .seconds(1))
            if quiet { continue }
            let line = try await database.read { db in try Self.summaryLine(db) }
            if interactive {
                writeAll(to: 1, Array("\r\(line)   ".utf8))
            } else if line != last {
                printNow(line)
            }
            last = line
        }
        if interactive && !quiet { printNow("") }
    }

    static func summaryLine(_ db: Database) throws -> String {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT metric, SUM(value) AS total FROM metrics_daily
                WHERE zone = 'UTC' AND dimension = '' GROUP BY metric
                """)
        var totals: [String: Int] = [:]
        for row in rows { totals[row["metric"]] = row["total"] }
        let active =
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deliveries WHERE state NOT IN ('completed', 'failed')") ?? 0
        let completed = totals["deliveries_completed", default: 0]
        let failed = totals["deliveries_failed", default: 0]
        let sent = totals["messages_sent", default: 0]
        return "clicks \(totals["button_clicks", default: 0]) · deliveries completed \(completed), "
            + "failed \(failed), in flight \(active) · content messages sent \(sent)"
    }

    /// A demo directory of an earlier run is started afresh (unless `--keep`); an empty directory
    /// is taken as it is; anything else is refused, never deleted.
    private func prepareDirectory() throws {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        if !keep, files.fileExists(atPath: dataDirectory, isDirectory: &isDirectory) {
            let empty =
                isDirectory.boolValue && (try? files.contentsOfDirectory(atPath: dataDirectory))?.isEmpty == true
            if files.fileExists(atPath: dataDirectory + "/" + Self.marker) {
                try files.removeItem(atPath: dataDirectory)
            } else if !empty {
                printError(
                    "\(dataDirectory) exists, is not empty and is not a demo directory (no \(Self.marker) in it); "
                        + "pass an empty or new --data-dir (or --keep to add to it)")
                throw ExitCode.validationFailure
            }
        }
        try files.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        _ = files.createFile(atPath: dataDirectory + "/" + Self.marker, contents: Data())
        if !files.fileExists(atPath: dataDirectory + "/content.yaml") {
            _ = files.createFile(atPath: dataDirectory + "/content.yaml", contents: Data(DefaultManifest.yaml.utf8))
        }
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 36) }.joined()
    }
}

/// Signalled once by a callback, awaited by a task.
final class ReadySignal: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1)) }

    func signal() { continuation.yield() }

    func wait() async {
        var iterator = stream.makeAsyncIterator()
        _ = await iterator.next()
    }
}
