import Adapters
import ArgumentParser
import AsyncHTTPClient
import Delivery
import Domain
import EventStore
import Foundation
import GRDB
import Hummingbird
import Logging
import Projections
import ServiceLifecycle
import Synchronization

/// Lets the projector (made first) tell the live feed (made from the projections it prepared)
/// about its commits.
final class FeedLink: Sendable {
    private let value = Mutex<FeedHub?>(nil)
    var hub: FeedHub? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

/// The parts of the running service, opened and wired from settings: the log, the ingress, the
/// projector, (when delivery is configured) the saga with its Graph API client, and (with a token
/// or open) the dashboard API.
struct ServiceAssembly {
    let log: EventLog
    let projector: Projector
    /// Metrics and the process's own health figures, fed by the parts below.
    let telemetry: ServiceTelemetry
    let saga: DeliverySaga?
    let http: HTTPClient?
    /// The template sender over the saga's Graph API client (when delivery is configured).
    let templates: TemplateSender?
    let services: [ServiceGroupConfiguration.ServiceConfiguration]

    /// Opens everything or explains (on stderr) why not, throwing the exit code to use.
    static func open(
        configuration: ServiceConfiguration, benchmarkRoutes: Bool = false, logger: Logger,
        onReady: @escaping @Sendable (Int) -> Void, onAPIReady: @escaping @Sendable (Int) -> Void = { _ in },
        onFeedReady: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws -> ServiceAssembly {
        let ingress = configuration.ingress
        let delivery = configuration.delivery
        var dashboard = configuration.dashboardAPI
        if dashboard.listens, let problem = dashboard.problem {
            printError(problem)
            throw ExitCode(78)
        }
        if dashboard.listens, configuration.feed.port != 0, configuration.feed.port == dashboard.port {
            printError(
                "--ws-port and --api-port are both \(dashboard.port): give the live feed its own port (the dashboard "
                    + "port serves the feed at /api/webhook/ws already)")
            throw ExitCode(78)
        }
        // The one place the service's time comes from: everything that waits or stamps takes these.
        let clock = ContinuousClock()
        let wall = WallClock.system
        var sagaSettings: SagaSettings?
        var manifest: ContentManifest?
        if delivery.enabled {
            do {
                manifest = try ManifestLoader.load(path: configuration.resolvedManifestPath)
            } catch {
                printError("content manifest \(configuration.resolvedManifestPath): \(error)")
                throw ExitCode(78)
            }
            sagaSettings = Self.saga(delivery, memoryWindow: ingress.dedupeWindow)
        }

        let telemetry = ServiceTelemetry(dataDirectory: configuration.dataDirectory, wall: wall)
        let log: EventLog
        do {
            log = try EventLog.open(
                directory: configuration.dataDirectory + "/log",
                configuration: EventLogConfiguration { $0.observer = telemetry.logObserver })
        } catch {
            throw reportFailure(error)
        }
        telemetry.watch(log: log)
        if log.recovery.cutSomething { logger.warning("log recovery: \(log.recovery)") }
        let snapshots = SnapshotStore(
            directory: configuration.dataDirectory + "/" + SnapshotConfiguration.directoryName,
            keep: configuration.snapshots.keep)
        // The saga's snapshot decodes on the other core while the dedupe index loads (the saga
        // waits for it when it starts; the ports never do).
        let sagaRestore: Task<SagaState?, Never>? =
            (delivery.accessToken == nil ? nil : sagaSettings).map { settings in
                Task.detached {
                    StartupSnapshots.sagaState(
                        store: snapshots, log: log, memoryWindowMilliseconds: settings.memoryWindow.inMilliseconds,
                        logger: logger)
                }
            }
        let dedupe: DedupeIndex
        let dedupeSnapshot: UInt64?
        do {
            (dedupe, dedupeSnapshot) = try DedupeIndex.load(
                from: log, snapshots: snapshots,
                windowMilliseconds: IngressConfiguration.milliseconds(ingress.dedupeWindow), now: wall.now(),
                rejected: { logger.warning("\($0); the dedupe index reads more of the log") })
        } catch {
            await log.close()
            throw reportFailure(error)
        }
        if let dedupeSnapshot { logger.info("dedupe index: starting from the snapshot at position \(dedupeSnapshot)") }
        let ingestor = WebhookIngestor(
            log: log, signature: ingress.appSecret.map(WebhookSignature.init(appSecret:)), dedupe: dedupe,
            authorizedContacts: ingress.authorizedContacts, logger: logger,
            clock: clock, wall: wall)
        telemetry.watch(ingress: ingestor)
        let projector: Projector
        var readers: DatabasePool?
        // The live feed reads after each commit; it is made once the projections are ready.
        let feedLink = FeedLink()
        let projectionsPath = configuration.dataDirectory + "/projections.sqlite"
        let removed = ScratchDatabase.removeLeftovers(in: configuration.dataDirectory)
        if !removed.isEmpty { logger.notice("\(ScratchDatabase.describe(removed))") }
        do {
            let database = try ProjectionDatabase.openPool(path: projectionsPath)
            // Projections yield the CPU to webhook acknowledgements under load, and catch up after.
            var projectorConfiguration = Projector.Configuration()
            projectorConfiguration.executor = BackgroundExecutor(name: "projector")
            let projections = configuration.projections
            projectorConfiguration.yieldAboveEventsPerSecond =
                projections.yieldAboveEventsPerSecond > 0 ? projections.yieldAboveEventsPerSecond : nil
            projectorConfiguration.maxYield = projections.maxYield
            projectorConfiguration.onCommit = { position in feedLink.hub?.committed(position) }
            projector = try Projector(
                log: log, database: database,
                engine: ProjectionEngine(projections: configuration.projections.projectionSettings.projections()),
                configuration: projectorConfiguration)
            // The dashboard API's own read-only connections, only when it listens.
            if dashboard.listens {
                let pool = try ProjectionDatabase.openReadOnlyPool(path: projectionsPath)
                readers = pool
                feedLink.hub = try FeedHub(
                    pool: pool, configuration: configuration.feedHub, wall: wall, logger: logger)
            }
        } catch {
            await log.close()
            printError("cannot open the projections: \(error)")
            throw ExitCodes.ioError
        }
        telemetry.watch(projector: {
            let status = projector.status()
            return ProjectorProgress(
                appliedPosition: status.appliedPosition, logPosition: status.logPosition,
                oldestUnappliedTimestamp: status.oldestUnappliedTimestamp)
        })
        for reset in projector.resets { logger.notice("rebuilding projection \(reset) from the log") }

        var saga: DeliverySaga?
        var http: HTTPClient?
        var templates: TemplateSender?
        if let sagaSettings, let manifest, let token = delivery.accessToken {
            let graph = delivery.graph(token: token)
            let client = GraphAPIClient.makeHTTPClient(configuration: graph)
            http = client
            let sender = telemetry.measuring(GraphAPIClient(configuration: graph, http: client))
            let delivering = DeliverySaga(
                log: log, sender: sender, manifest: manifest, settings: sagaSettings, logger: logger,
                clock: clock, wall: wall, restore: { await sagaRestore?.value })
            telemetry.watch(deliveries: delivering)
            saga = delivering
            templates = TemplateSender(
                log: log, sender: sender, phoneNumberId: sagaSettings.phoneNumberId,
                messagesPerSecond: delivery.templateMessagesPerSecond,
                clock: clock, wall: wall)
        } else {
            logger.notice(
                """
                delivery disabled: set WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID to deliver content; \
                clicks are stored and wait for it
                """
            )
        }

        var routes = ingress.routes
        routes.benchmarkRoutes = benchmarkRoutes
        let app = WebhookServer.application(
            router: WebhookRoutes.router(ingestor: ingestor, configuration: routes),
            address: .hostname(ingress.host, port: ingress.port), limits: ingress.limits, logger: logger,
            onServerRunning: { channel in onReady(channel.localAddress?.port ?? -1) })
        // Shut down in reverse: the listener stops first, then the saga finishes its calls in
        // flight, then the projector, and the log closes last.
        // Health says "failing" once the projector has stopped.
        let projectorStopped = StopFlag()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: EventLogService(log: log)),
            // Their end (or failure) must not stop ingestion: projections and deliveries are
            // derived from the log, webhooks are not.
            DerivedWorkService(
                name: "projector",
                afterFailure: "webhooks are still stored in the log; restart the service or run `clickunlock rebuild` "
                    + "to bring projections up to date",
                logger: logger,
                work: {
                    defer { projectorStopped.stop() }
                    try await projector.run()
                }
            ).configuration,
        ]
        services += try Self.alerting(
            configuration, log: log, telemetry: telemetry, projector: projector, saga: saga,
            projectionsPath: projectionsPath, projectorStopped: projectorStopped, logger: logger)
        if configuration.compaction.service.enabled {
            services.append(
                .init(
                    service: LogCompactionService(
                        log: log, configuration: configuration.compaction.effectiveService, logger: logger)))
        }
        if let saga {
            services.append(
                DerivedWorkService(
                    name: "delivery saga",
                    afterFailure:
                        "clicks are still stored in the log and unfinished deliveries continue at the next start",
                    logger: logger, service: saga
                ).configuration)
        }
        let writer = SnapshotWriter(
            log: log, dedupe: dedupe, saga: saga, store: snapshots, settings: configuration.snapshots, wall: wall,
            logger: logger)
        // The saga's snapshot loads as it starts: the writer's first check compares with the dedupe one.
        let sagaStart = dedupeSnapshot ?? 0
        services.append(
            DerivedWorkService(
                name: "snapshot writer", afterFailure: "the next start folds more of the log", logger: logger,
                work: { try await writer.run(sagaPosition: sagaStart, dedupePosition: dedupeSnapshot ?? 0) }
            ).configuration)
        services.append(.init(service: app))
        if dashboard.listens, let readers {
            if dashboard.open {
                let warning =
                    "dashboard API OPEN on \(dashboard.host):\(dashboard.port) (--dashboard-open): its reads need no "
                    + "token; anyone who can reach this loopback address can read them"
                logger.warning("\(warning)")
            }
            dashboard.reportingTimeZone = configuration.projections.reportingTimeZone
            dashboard.feedPort = configuration.feed.port == 0 ? nil : configuration.feed.port
            // Ready once the projections have applied what the log held at start.
            let startHead = log.lastPosition
            let feed = feedLink.hub
            let parts = DashboardAPI.Parts(
                reader: ProjectionReader(pool: readers, projector: projector, log: log, wall: wall),
                ready: { projector.progress.position >= startHead }, templates: templates, telemetry: telemetry,
                projectorRunning: { !projectorStopped.isStopped }, feed: feed)
            let router = try DashboardAPI.router(configuration: dashboard, parts: parts, logger: logger)
            services.append(
                .init(
                    service: DashboardAPI.application(
                        router: router, configuration: dashboard, feed: feed, logger: logger,
                        onServerRunning: { channel in onAPIReady(channel.localAddress?.port ?? -1) })))
            if let feed {
                telemetry.watch(feed: feed)
                services.append(
                    .init(
                        service: FeedPort.application(
                            hub: feed, host: dashboard.host, port: configuration.feed.port, token: dashboard.token,
                            open: dashboard.open, logger: logger,
                            onServerRunning: { channel in onFeedReady(channel.localAddress?.port ?? -1) })))
                // Last, so that it stops first: its clients are closed (1001) before the ports stop.
                services.append(.init(service: feed))
            }
        } else {
            let notice =
                "dashboard API off: set CLICKUNLOCK_DASHBOARD_TOKEN (or --dashboard-open) to serve it"
            logger.notice("\(notice)")
        }
        return ServiceAssembly(
            log: log, projector: projector, telemetry: telemetry, saga: saga, http: http, templates: templates,
            services: services)
    }

    /// The alert engine and its notifier: derived work whose failure stops only them. The engine
    /// starts from the alerts the log holds as firing, read from the alerts projection once it has
    /// applied what the log held at start, and evaluates once the saga has folded that much too
    /// (its counts are the delivery failure rule's baseline), or after two minutes without.
    static func alerting(
        _ configuration: ServiceConfiguration, log: EventLog, telemetry: ServiceTelemetry, projector: Projector,
        saga: DeliverySaga?, projectionsPath: String, projectorStopped: StopFlag, logger: Logger
    ) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let startHead = log.lastPosition
        let pool: DatabasePool
        do {
            pool = try ProjectionDatabase.openReadOnlyPool(path: projectionsPath)
        } catch {
            printError("cannot open the projections for alerting: \(error)")
            throw ExitCodes.ioError
        }
        let engine = AlertEngine(
            settings: configuration.alerts, log: log, telemetry: telemetry,
            firingAtStart: {
                while projector.progress.position < startHead, !projectorStopped.isStopped {
                    try await Task.sleep(for: .milliseconds(50))
                }
                let deadline = ContinuousClock.now + .seconds(120)
                while let saga, await saga.summary.position < startHead, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                return try await pool.read { db in try Dashboard.alerts(db, recent: 0).firing.map(AlertRaised.init) }
            }, logger: logger)
        let after = "webhooks and deliveries go on; alerts are evaluated again at the next start"
        var services = [DerivedWorkService(name: "alerting", afterFailure: after, logger: logger, service: engine)]
        if let notifier = engine.notifierService {
            services.append(
                DerivedWorkService(name: "alert notifier", afterFailure: after, logger: logger, service: notifier))
        }
        return services.map(\.configuration)
    }

    /// The saga's settings: its own (with Delivery's defaults), the numbers it sends from, and its
    /// memory as long as the dedupe window.
    static func saga(_ delivery: DeliveryConfiguration, memoryWindow: Duration) -> SagaSettings {
        var saga = delivery.saga
        saga.phoneNumberId = delivery.phoneNumberIds[0]
        saga.phoneNumberIds = Set(delivery.phoneNumberIds)
        saga.memoryWindow = memoryWindow
        return saga
    }

    func shutdown() async {
        try? await http?.shutdown()
    }
}
