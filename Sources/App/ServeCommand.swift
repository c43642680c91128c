import Adapters
import ArgumentParser
import Configuration
import Domain
import EventStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import Projections
import ServiceLifecycle

/// `clickunlock serve`: the production service.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: """
            Run the service: the public webhook listener, the projector and the delivery saga \
            (SIGTERM/SIGINT stop it gracefully).
            """,
        discussion: """
            Settings come from --config FILE (JSON, or YAML when it ends in .yaml or .yml), then the environment, then \
            these flags, each overriding the one before; `clickunlock settings` lists every one (key, environment \
            variable, flag, default) and `--print-settings` shows what this start would use. Secrets (app secret, \
            verify token, access token, dashboard token) come only from the file or the environment and are never \
            printed. Delivery runs when an access token and a phone number id are set; it then needs a valid content \
            manifest. Without an app secret the service refuses to start, unless --insecure-skip-signature-check is \
            given.
            """)

    @Option(help: "Config file: JSON, or YAML when it ends in .yaml or .yml.") var config: String?
    @Option(name: settingFlag("data_dir"), help: settingHelp("data_dir")) var dataDirectory: String?
    @Option(name: settingFlag("log_level"), help: settingHelp("log_level")) var logLevel: String?
    @Option(name: settingFlag("webhook_port"), help: settingHelp("webhook_port")) var webhookPort: Int?
    @Option(name: settingFlag("host"), help: settingHelp("host")) var host: String?
    @Option(name: settingFlag("authorized_contacts"), help: settingHelp("authorized_contacts")) var authorizedContacts:
        [String] = []
    @Option(name: settingFlag("body_limit_bytes"), help: settingHelp("body_limit_bytes")) var bodyLimit: Int?
    @Option(name: settingFlag("idle_timeout_seconds"), help: settingHelp("idle_timeout_seconds"))
    var idleTimeoutSeconds: Int?
    @Option(name: settingFlag("body_timeout_seconds"), help: settingHelp("body_timeout_seconds"))
    var bodyTimeoutSeconds: Int?
    @Option(name: settingFlag("max_connections"), help: settingHelp("max_connections")) var maxConnections: Int?
    @Option(name: settingFlag("dedupe_window_days"), help: settingHelp("dedupe_window_days")) var dedupeWindowDays: Int?
    @Flag(
        name: .customLong("insecure-skip-signature-check"),
        help: "DEVELOPMENT ONLY: accept webhooks without checking their signature.")
    var insecure = false
    @Flag(name: .customLong("benchmark-routes"), help: .hidden) var benchmarkRoutes = false
    @Flag(
        name: .customLong("print-settings"),
        help: "Print the settings this start would use and where each came from (secrets redacted), then exit.")
    var printSettings = false
    @Option(name: settingFlag("graph_base_url"), help: settingHelp("graph_base_url")) var graphBaseURL: String?
    @Option(name: settingFlag("graph_api_version"), help: settingHelp("graph_api_version")) var graphAPIVersion: String?
    @Option(name: settingFlag("manifest"), help: settingHelp("manifest")) var manifest: String?
    @Option(name: settingFlag("messages_per_second"), help: settingHelp("messages_per_second")) var messagesPerSecond:
        Double?
    @Flag(name: settingFlag("strict_order"), help: settingHelp("strict_order")) var strictOrder = false
    @Option(name: settingFlag("api_port"), help: settingHelp("api_port")) var apiPort: Int?
    @Option(name: settingFlag("api_host"), help: settingHelp("api_host")) var apiHost: String?
    @Flag(name: settingFlag("dashboard_open"), help: settingHelp("dashboard_open")) var dashboardOpen = false
    @Option(name: settingFlag("cors_origins"), help: settingHelp("cors_origins")) var corsOrigins: [String] = []
    @Flag(name: settingFlag("once_per_contact_and_pack"), help: settingHelp("once_per_contact_and_pack"))
    var allowRepeatDelivery = false
    @Option(name: settingFlag("reconcile_wait_ms"), help: settingHelp("reconcile_wait_ms")) var reconcileWaitMs: Int?
    @Option(name: settingFlag("confirmation_wait_ms"), help: settingHelp("confirmation_wait_ms"))
    var confirmationWaitMs: Int?
    @Option(name: settingFlag("projections_yield_above"), help: settingHelp("projections_yield_above"))
    var projectionsYieldAbove: Int?
    @Option(name: settingFlag("projections_max_yield_seconds"), help: settingHelp("projections_max_yield_seconds"))
    var projectionsMaxYieldSeconds: Int?
    @Option(name: settingFlag("recent_events"), help: settingHelp("recent_events")) var recentEvents: Int?
    @Option(name: settingFlag("ws_port"), help: settingHelp("ws_port")) var wsPort: Int?
    @Option(name: settingFlag("feed_max_clients"), help: settingHelp("feed_max_clients")) var feedMaxClients: Int?
    @Option(name: settingFlag("feed_queue_frames"), help: settingHelp("feed_queue_frames")) var feedQueueFrames: Int?
    @Option(name: settingFlag("feed_queue_bytes"), help: settingHelp("feed_queue_bytes")) var feedQueueBytes: Int?
    @Option(name: settingFlag("feed_heartbeat_seconds"), help: settingHelp("feed_heartbeat_seconds"))
    var feedHeartbeatSeconds: Int?
    @Option(name: settingFlag("feed_ping_timeout_seconds"), help: settingHelp("feed_ping_timeout_seconds"))
    var feedPingTimeoutSeconds: Int?
    @Option(name: settingFlag("reporting_time_zone"), help: settingHelp("reporting_time_zone"))
    var reportingTimeZone: String?
    @OptionGroup var alertFlags: AlertFlags

    /// The flags that were given, by setting key: the highest-precedence provider.
    var flagValues: [String: ConfigContent] {
        var values: [String: ConfigContent] = [:]
        values["data_dir"] = dataDirectory.map(ConfigContent.string)
        values["log_level"] = logLevel.map(ConfigContent.string)
        values["webhook_port"] = webhookPort.map(ConfigContent.int)
        values["host"] = host.map(ConfigContent.string)
        values["authorized_contacts"] = authorizedContacts.isEmpty ? nil : .stringArray(authorizedContacts)
        values["body_limit_bytes"] = bodyLimit.map(ConfigContent.int)
        values["idle_timeout_seconds"] = idleTimeoutSeconds.map(ConfigContent.int)
        values["body_timeout_seconds"] = bodyTimeoutSeconds.map(ConfigContent.int)
        values["max_connections"] = maxConnections.map(ConfigContent.int)
        values["dedupe_window_days"] = dedupeWindowDays.map(ConfigContent.int)
        values["graph_base_url"] = graphBaseURL.map(ConfigContent.string)
        values["graph_api_version"] = graphAPIVersion.map(ConfigContent.string)
        values["manifest"] = manifest.map(ConfigContent.string)
        values["messages_per_second"] = messagesPerSecond.map(ConfigContent.double)
        values["strict_order"] = strictOrder ? .bool(true) : nil
        values["api_port"] = apiPort.map(ConfigContent.int)
        values["api_host"] = apiHost.map(ConfigContent.string)
        values["dashboard_open"] = dashboardOpen ? .bool(true) : nil
        values["cors_origins"] = corsOrigins.isEmpty ? nil : .stringArray(corsOrigins)
        values["once_per_contact_and_pack"] = allowRepeatDelivery ? .bool(false) : nil
        values["reconcile_wait_ms"] = reconcileWaitMs.map(ConfigContent.int)
        values["confirmation_wait_ms"] = confirmationWaitMs.map(ConfigContent.int)
        values["projections_yield_above"] = projectionsYieldAbove.map(ConfigContent.int)
        values["projections_max_yield_seconds"] = projectionsMaxYieldSeconds.map(ConfigContent.int)
        values["reporting_time_zone"] = reportingTimeZone.map(ConfigContent.string)
        values["recent_events"] = recentEvents.map(ConfigContent.int)
        values["ws_port"] = wsPort.map(ConfigContent.int)
        values["feed_max_clients"] = feedMaxClients.map(ConfigContent.int)
        values["feed_queue_frames"] = feedQueueFrames.map(ConfigContent.int)
        values["feed_queue_bytes"] = feedQueueBytes.map(ConfigContent.int)
        values["feed_heartbeat_seconds"] = feedHeartbeatSeconds.map(ConfigContent.int)
        values["feed_ping_timeout_seconds"] = feedPingTimeoutSeconds.map(ConfigContent.int)
        values.merge(alertFlags.flagValues) { $1 }
        return values
    }

    func settings() async throws(ConfigurationFailure) -> ServiceConfiguration {
        try await SettingsReader(flags: flagValues, configFile: config).read()
    }

    func run() async throws {
        let configuration: ServiceConfiguration
        do {
            configuration = try await settings()
        } catch {
            printError(error.description)
            throw ExitCode(78)
        }
        if printSettings {
            print(SettingsTable.effective(configuration), terminator: "")
            return
        }
        let logger = configuration.logger()
        logger.debug("settings read: \(SettingsTable.sources(configuration))")
        guard configuration.ingress.appSecret != nil || insecure else {
            printError(
                "no app secret: set WHATSAPP_APP_SECRET (or app_secret in --config) so that webhook signatures can be "
                    + "checked; for local development only, --insecure-skip-signature-check accepts unsigned webhooks")
            throw ExitCode(78)
        }
        if configuration.ingress.appSecret == nil {
            logger.critical(
                """
                INSECURE: webhook signatures are NOT checked (--insecure-skip-signature-check); never use this in \
                production
                """
            )
        }
        logger.info("starting: \(configuration.summary)")
        // Lines for scripts and tests to wait on (the ports are the real ones when 0 was asked).
        let assembly = try await ServiceAssembly.open(
            configuration: configuration, benchmarkRoutes: benchmarkRoutes, logger: logger,
            onReady: { port in writeAll(to: 1, Array("ready webhook-port=\(port)\n".utf8)) },
            onAPIReady: { port in writeAll(to: 1, Array("ready api-port=\(port)\n".utf8)) },
            onFeedReady: { port in writeAll(to: 1, Array("ready ws-port=\(port)\n".utf8)) })
        let log = assembly.log
        let group = ServiceGroup(
            configuration: .init(
                services: assembly.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            await assembly.shutdown()
            printError(Self.portInUse(configuration))
            throw ExitCodes.unavailable
        } catch {
            await assembly.shutdown()
            throw error
        }
        await assembly.shutdown()
        logger.info("stopped: log closed at position \(log.lastPosition)")
    }
}

extension ServeCommand {
    /// What to do when a port the service listens on is taken (NIO does not say which one).
    static func portInUse(_ configuration: ServiceConfiguration) -> String {
        var ports = ["webhook port \(configuration.ingress.port) (--webhook-port)"]
        if configuration.dashboardAPI.listens {
            ports.append("dashboard API port \(configuration.dashboardAPI.port) (--api-port)")
            ports.append("live feed port \(configuration.feed.port) (--ws-port)")
        }
        return "a port this service listens on is already in use by another process: one of the "
            + ports.joined(separator: ", ")
            + "; stop the other process or choose other ports (0 picks a free one)"
    }
}

/// A setting's flag, as the catalogue names it.
func settingFlag(_ key: String) -> NameSpecification {
    .customLong(String((Settings.named(key).flag ?? "--\(key)").dropFirst(2)))
}

/// A setting's help: its meaning and default, from the catalogue.
func settingHelp(_ key: String) -> ArgumentHelp { ArgumentHelp(Settings.named(key).help) }
