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
        abstract: "Run the service: the public webhook listener and the projector (SIGTERM/SIGINT stop it gracefully).",
        discussion: """
            Settings come from --config FILE (JSON: data_dir, host, webhook_port, app_secret, verify_token, \
            access_token, phone_number_ids, authorized_contacts, body_limit_bytes, dedupe_window_days), then the environment \
            (WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID (comma-separated), \
            CLICKUNLOCK_AUTHORIZED_CONTACTS (comma-separated wa_ids)), then these flags. Without an app secret the \
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
    @Option(name: .customLong("dedupe-window-days"), help: "How long a message id counts as already stored (default 8).")
    var dedupeWindowDays: Int?
    @Flag(name: .customLong("insecure-skip-signature-check"), help: "DEVELOPMENT ONLY: accept webhooks without checking their signature.")
    var insecure = false
    @Flag(name: .customLong("benchmark-routes"), help: .hidden) var benchmarkRoutes = false

    func settings() throws -> ServeSettings {
        var settings = ServeSettings()
        if let config { try settings.apply(configFile: config) }
        settings.apply(environment: ProcessInfo.processInfo.environment)
        settings.dataDirectory = dataDirectory ?? settings.dataDirectory
        settings.webhookPort = webhookPort ?? settings.webhookPort
        settings.host = host ?? settings.host
        if !authorizedContacts.isEmpty { settings.authorizedContacts = Set(authorizedContacts) }
        settings.bodyLimit = bodyLimit ?? settings.bodyLimit
        settings.dedupeWindowDays = dedupeWindowDays ?? settings.dedupeWindowDays
        // A body must fit in one log event (16 MiB with its facts), or it could never be stored.
        guard settings.dedupeWindowDays > 0, (1...(12 << 20)).contains(settings.bodyLimit),
            (0...65535).contains(settings.webhookPort)
        else {
            throw ServeSettings.Failure(
                description: "webhook port must be 0-65535, the body limit 1 byte to 12 MiB, the dedupe window at least a day")
        }
        return settings
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

        let log: EventLog
        do {
            log = try EventLog.open(directory: settings.dataDirectory + "/log")
        } catch {
            throw reportFailure(error)
        }
        if log.recovery.cutSomething { logger.warning("log recovery: \(log.recovery)") }
        let dedupe = DedupeIndex(windowMilliseconds: Int64(settings.dedupeWindowDays) * 24 * 3600 * 1000)
        do {
            try dedupe.load(from: log, now: Int64(Date().timeIntervalSince1970 * 1000))
        } catch {
            await log.close()
            throw reportFailure(error)
        }
        let ingestor = WebhookIngestor(
            log: log, signature: settings.appSecret.map(WebhookSignature.init(appSecret:)), dedupe: dedupe,
            authorizedContacts: settings.authorizedContacts, logger: logger)
        let projector: Projector
        do {
            let database = try ProjectionDatabase.openPool(path: settings.dataDirectory + "/projections.sqlite")
            projector = try Projector(log: log, database: database, engine: ProjectionEngine(projections: ProjectionSettings().projections()))
        } catch {
            await log.close()
            printError("cannot open the projections: \(error)")
            throw ExitCodes.ioError
        }
        for reset in projector.resets { logger.notice("rebuilding projection \(reset) from the log") }

        var routes = WebhookRoutes.Configuration(verifyToken: settings.verifyToken)
        routes.bodyLimit = settings.bodyLimit
        routes.benchmarkRoutes = benchmarkRoutes
        let app = Application(
            router: WebhookRoutes.router(ingestor: ingestor, configuration: routes),
            configuration: .init(address: .hostname(settings.host, port: settings.webhookPort), serverName: "clickunlock"),
            onServerRunning: { channel in
                // A line for scripts and tests to wait on (the port is the real one when 0 was asked).
                writeAll(to: 1, Array("ready webhook-port=\(channel.localAddress?.port ?? -1)\n".utf8))
            },
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: EventLogService(log: log)),
                    // Its end (or failure) must not stop ingestion: projections are derived, webhooks are not.
                    .init(
                        service: ProjectorService(projector: projector, logger: logger), successTerminationBehavior: .ignore,
                        failureTerminationBehavior: .ignore),
                    .init(service: app),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.info("stopped: log closed at position \(log.lastPosition)")
    }
}
