import Adapters
import ArgumentParser
import Domain
import EventStore
import Foundation
import Hummingbird
import Logging
import Projections
import ServiceLifecycle

/// `clickunlock serve`: the production service.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the service: the public webhook listener, the projector and the delivery saga (SIGTERM/SIGINT stop it gracefully).",
        discussion: """
            Settings come from --config FILE (JSON: data_dir, host, webhook_port, app_secret, verify_token, \
            access_token, phone_number_ids, authorized_contacts, body_limit_bytes, idle_timeout_seconds, \
            body_timeout_seconds, max_connections, dedupe_window_days, graph_base_url, graph_api_version, \
            manifest, messages_per_second, strict_order, reconcile_wait_ms, confirmation_wait_ms, once_per_contact_and_pack, api_host, \
            api_port, dashboard_token, projections_yield_above, projections_max_yield_seconds), then the environment \
            (WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID (comma-separated), \
            CLICKUNLOCK_AUTHORIZED_CONTACTS (comma-separated wa_ids), CLICKUNLOCK_GRAPH_BASE_URL, CLICKUNLOCK_DASHBOARD_TOKEN), then these flags. \
            Delivery runs when an access token and a phone number id are set; it then needs a valid content manifest. Without an app secret the \
            service refuses to start, unless --insecure-skip-signature-check is given.
            """)

    @Option(name: .customLong("data-dir"), help: "Directory holding the event log and projections (default ./data).")
    var dataDirectory: String?
    @Option(help: "JSON config file.") var config: String?
    @Option(name: .customLong("webhook-port"), help: "Public webhook port (default 3000; 0 picks a free one).")
    var webhookPort: Int?
    @Option(help: "Address to listen on (default 0.0.0.0).") var host: String?
    @Option(name: .customLong("authorized-contact"), help: "A wa_id or BSUID allowed to unlock content; repeatable.")
    var authorizedContacts: [String] = []
    @Option(name: .customLong("body-limit"), help: "Largest webhook body in bytes (default 3 MiB).") var bodyLimit: Int?
    @Option(
        name: .customLong("idle-timeout"),
        help: "Seconds before the webhook port closes a connection idle or with headers unfinished (default 15).")
    var idleTimeoutSeconds: Int?
    @Option(
        name: .customLong("body-timeout"),
        help: "Seconds a webhook body may take after its headers; slower ones are cut, nothing stored (default 20).")
    var bodyTimeoutSeconds: Int?
    @Option(
        name: .customLong("max-connections"),
        help: "Connections open at once on the webhook port; past it new ones wait to be accepted (default 512).")
    var maxConnections: Int?
    @Option(name: .customLong("dedupe-window-days"), help: "How long a message id counts as already stored (default 8).")
    var dedupeWindowDays: Int?
    @Flag(name: .customLong("insecure-skip-signature-check"), help: "DEVELOPMENT ONLY: accept webhooks without checking their signature.")
    var insecure = false
    @Flag(name: .customLong("benchmark-routes"), help: .hidden) var benchmarkRoutes = false
    @Option(name: .customLong("graph-base-url"), help: "Graph API base URL (default https://graph.facebook.com; the simulator's for tests).")
    var graphBaseURL: String?
    @Option(name: .customLong("graph-api-version"), help: "Graph API version (default v25.0).") var graphAPIVersion: String?
    @Option(help: "Content manifest, YAML or JSON (default DATA_DIR/content.yaml).") var manifest: String?
    @Option(name: .customLong("messages-per-second"), help: "Send rate limit per business number (default 80; 0 lifts it).")
    var messagesPerSecond: Double?
    @Flag(name: .customLong("strict-order"), help: "Send each content message only after the previous one is delivered.")
    var strictOrder = false
    @Option(name: .customLong("api-port"), help: "Operator API port (default 3002; 0 picks a free one); it listens only with a dashboard token.")
    var apiPort: Int?
    @Option(name: .customLong("api-host"), help: "Operator API address (default 127.0.0.1).") var apiHost: String?
    @Flag(name: .customLong("allow-repeat-delivery"), help: "Deliver a pack again when a contact taps another template message for it.")
    var allowRepeatDelivery = false
    @Option(name: .customLong("reconcile-wait-ms"), help: "How long to wait for status webhooks before resending a message whose outcome is unknown (default 5000).")
    var reconcileWaitMs: Int64?
    @Option(name: .customLong("confirmation-wait-ms"), help: "How long a delivery waits for its messages' `delivered` statuses before completing (default 60000; 0 completes on acceptance).")
    var confirmationWaitMs: Int64?
    @Option(name: .customLong("projections-yield-above"), help: "While the log grows faster than this many events/s, projections wait for the burst to pass (default 10000; 0 keeps them always live).")
    var projectionsYieldAbove: Int?
    @Option(name: .customLong("projections-max-yield"), help: "The longest projections wait out a burst, in seconds behind the log (default 30).")
    var projectionsMaxYieldSeconds: Int?

    func settings() throws -> ServeSettings {
        var settings = ServeSettings()
        if let config { try settings.apply(configFile: config) }
        settings.apply(environment: ProcessInfo.processInfo.environment)
        settings.dataDirectory = dataDirectory ?? settings.dataDirectory
        settings.webhookPort = webhookPort ?? settings.webhookPort
        settings.host = host ?? settings.host
        if !authorizedContacts.isEmpty { settings.authorizedContacts = Set(authorizedContacts) }
        settings.bodyLimit = bodyLimit ?? settings.bodyLimit
        settings.idleTimeoutSeconds = idleTimeoutSeconds ?? settings.idleTimeoutSeconds
        settings.bodyTimeoutSeconds = bodyTimeoutSeconds ?? settings.bodyTimeoutSeconds
        settings.maxConnections = maxConnections ?? settings.maxConnections
        settings.dedupeWindowDays = dedupeWindowDays ?? settings.dedupeWindowDays
        settings.graphBaseURL = graphBaseURL ?? settings.graphBaseURL
        settings.graphAPIVersion = graphAPIVersion ?? settings.graphAPIVersion
        settings.manifestPath = manifest ?? settings.manifestPath
        settings.messagesPerSecond = messagesPerSecond ?? settings.messagesPerSecond
        settings.strictOrder = strictOrder || settings.strictOrder
        if allowRepeatDelivery { settings.oncePerContactAndPack = false }
        settings.apiPort = apiPort ?? settings.apiPort
        settings.apiHost = apiHost ?? settings.apiHost
        settings.reconcileWaitMs = reconcileWaitMs ?? settings.reconcileWaitMs
        settings.confirmationWaitMs = confirmationWaitMs ?? settings.confirmationWaitMs
        settings.projectionsYieldAbove = projectionsYieldAbove ?? settings.projectionsYieldAbove
        settings.projectionsMaxYieldSeconds = projectionsMaxYieldSeconds ?? settings.projectionsMaxYieldSeconds
        // Every number has an upper bound: the saga adds waits to log times, and the dedupe window is
        // scaled to milliseconds, so no setting may overflow either.
        try Self.checkPortLimits(settings)
        guard (1...365).contains(settings.dedupeWindowDays),
            (0...65535).contains(settings.webhookPort), (0...65535).contains(settings.apiPort),
            (0...100_000).contains(settings.messagesPerSecond), (0...86_400_000).contains(settings.reconcileWaitMs),
            (0...86_400_000).contains(settings.confirmationWaitMs), settings.projectionsYieldAbove >= 0,
            (1...3600).contains(settings.projectionsMaxYieldSeconds)
        else {
            throw ServeSettings.Failure(
                description: "webhook and API ports must be 0-65535, the dedupe window 1-365 days, "
                    + "messages per second 0-100000, the reconcile and confirmation waits 0-86400000 ms, the projections' "
                    + "yield threshold not negative, the projections' longest wait 1-3600 s")
        }
        if let problem = GraphBaseURL.problem(settings.graphBaseURL) {
            throw ServeSettings.Failure(description: "\(problem) (graph_base_url, CLICKUNLOCK_GRAPH_BASE_URL or --graph-base-url)")
        }
        try settings.validateSecrets()
        return settings
    }

    /// The public port's limits, each named when it is wrong. The body limit is checked against
    /// the log's largest event: a signed body must always be storable, at least raw.
    static func checkPortLimits(_ settings: ServeSettings) throws {
        let largest = WebhookIngestor.largestStorableBody(in: EventLogConfiguration())
        guard (1...largest).contains(settings.bodyLimit) else {
            throw ServeSettings.Failure(
                description: "the body limit (--body-limit, body_limit_bytes) is \(settings.bodyLimit) bytes; "
                    + "it must be 1 to \(largest) bytes, the largest webhook body the event log stores as one event")
        }
        let limits: [(name: String, value: Int, range: ClosedRange<Int>, unit: String)] = [
            ("the idle timeout (--idle-timeout, idle_timeout_seconds)", settings.idleTimeoutSeconds, 1...3600, " s"),
            ("the body timeout (--body-timeout, body_timeout_seconds)", settings.bodyTimeoutSeconds, 1...3600, " s"),
            ("the connection limit (--max-connections, max_connections)", settings.maxConnections, 1...100_000, ""),
        ]
        for limit in limits where !limit.range.contains(limit.value) {
            throw ServeSettings.Failure(
                description: "\(limit.name) must be \(limit.range.lowerBound) to \(limit.range.upperBound)\(limit.unit), "
                    + "not \(limit.value)")
        }
    }

    func run() async throws {
        let logger = Logger(label: "clickunlock")
        let settings: ServeSettings
        do {
            settings = try self.settings()
        } catch let failure as ServeSettings.Failure {
            printError(failure.description)
            throw ExitCode(78)
        }
        guard settings.appSecret != nil || insecure else {
            printError(
                "no app secret: set WHATSAPP_APP_SECRET (or app_secret in --config) so that webhook signatures can be "
                    + "checked; for local development only, --insecure-skip-signature-check accepts unsigned webhooks")
            throw ExitCode(78)
        }
        if settings.appSecret == nil {
            logger.critical("INSECURE: webhook signatures are NOT checked (--insecure-skip-signature-check); never use this in production")
        }
        logger.info("starting: \(settings)")
        // Lines for scripts and tests to wait on (the ports are the real ones when 0 was asked).
        let assembly = try await ServiceAssembly.open(
            settings: settings, benchmarkRoutes: benchmarkRoutes, logger: logger,
            onReady: { port in writeAll(to: 1, Array("ready webhook-port=\(port)\n".utf8)) },
            onAPIReady: { port in writeAll(to: 1, Array("ready api-port=\(port)\n".utf8)) })
        let log = assembly.log
        let group = ServiceGroup(
            configuration: .init(services: assembly.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await assembly.shutdown()
            throw error
        }
        await assembly.shutdown()
        logger.info("stopped: log closed at position \(log.lastPosition)")
    }
}
