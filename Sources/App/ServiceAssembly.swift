import Adapters
import ArgumentParser
import AsyncHTTPClient
import Delivery
import EventStore
import Foundation
import Hummingbird
import Logging
import Projections
import ServiceLifecycle

/// The parts of the running service, opened and wired from settings: the log, the ingress, the
/// projector and (when delivery is configured) the saga with its Graph API client.
struct ServiceAssembly {
    let log: EventLog
    let projector: Projector
    let saga: DeliverySaga?
    let http: HTTPClient?
    /// The template sender over the saga's Graph API client (when delivery is configured).
    let templates: TemplateSender?
    let services: [ServiceGroupConfiguration.ServiceConfiguration]

    /// Opens everything or explains (on stderr) why not, throwing the exit code to use.
    static func open(
        settings: ServeSettings, benchmarkRoutes: Bool = false, logger: Logger, onReady: @escaping @Sendable (Int) -> Void,
        onAPIReady: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws -> ServiceAssembly {
        // The one place the service's time comes from: everything that waits or stamps takes these.
        let clock = ContinuousClock()
        let wall = WallClock.system
        var sagaSettings: SagaSettings?
        var manifest: ContentManifest?
        if settings.deliveryEnabled {
            do {
                manifest = try ManifestLoader.load(path: settings.resolvedManifestPath)
            } catch {
                printError("content manifest \(settings.resolvedManifestPath): \(error)")
                throw ExitCode(78)
            }
            var saga = SagaSettings(phoneNumberId: settings.phoneNumberIds[0], phoneNumberIds: settings.phoneNumberIds)
            saga.memoryWindow = .seconds(Int64(settings.dedupeWindowDays) * 24 * 3600)
            saga.messagesPerSecond = settings.messagesPerSecond
            saga.strictOrder = settings.strictOrder
            saga.reconcileWait = .milliseconds(settings.reconcileWaitMs)
            saga.confirmationWait = .milliseconds(settings.confirmationWaitMs)
            saga.oncePerContactAndPack = settings.oncePerContactAndPack
            sagaSettings = saga
        }

        let log: EventLog
        do {
            log = try EventLog.open(directory: settings.dataDirectory + "/log")
        } catch {
            throw reportFailure(error)
        }
        if log.recovery.cutSomething { logger.warning("log recovery: \(log.recovery)") }
        let dedupe = DedupeIndex(windowMilliseconds: Int64(settings.dedupeWindowDays) * 24 * 3600 * 1000)
        do {
            try dedupe.load(from: log, now: wall.now())
        } catch {
            await log.close()
            throw reportFailure(error)
        }
        let ingestor = WebhookIngestor(
            log: log, signature: settings.appSecret.map(WebhookSignature.init(appSecret:)), dedupe: dedupe,
            authorizedContacts: settings.authorizedContacts, logger: logger, clock: clock, wall: wall)
        let projector: Projector
        do {
            let database = try ProjectionDatabase.openPool(path: settings.dataDirectory + "/projections.sqlite")
            // Projections yield the CPU to webhook acknowledgements under load, and catch up after.
            var configuration = Projector.Configuration()
            configuration.executor = BackgroundExecutor(name: "projector")
            configuration.yieldAboveEventsPerSecond = settings.projectionsYieldAbove > 0 ? settings.projectionsYieldAbove : nil
            configuration.maxYield = .seconds(settings.projectionsMaxYieldSeconds)
            projector = try Projector(
                log: log, database: database, engine: ProjectionEngine(projections: ProjectionSettings().projections()),
                configuration: configuration)
        } catch {
            await log.close()
            printError("cannot open the projections: \(error)")
            throw ExitCodes.ioError
        }
        for reset in projector.resets { logger.notice("rebuilding projection \(reset) from the log") }

        var saga: DeliverySaga?
        var http: HTTPClient?
        var templates: TemplateSender?
        if let sagaSettings, let manifest, let token = settings.accessToken {
            var graph = GraphAPIClient.Configuration(baseURL: settings.graphBaseURL, version: settings.graphAPIVersion, accessToken: token)
            graph.timeout = .seconds(15)
            let client = GraphAPIClient.makeHTTPClient(configuration: graph)
            http = client
            let sender = GraphAPIClient(configuration: graph, http: client)
            saga = DeliverySaga(
                log: log, sender: sender, manifest: manifest, settings: sagaSettings, logger: logger,
                clock: clock, wall: wall)
            templates = TemplateSender(
                log: log, sender: sender, phoneNumberId: sagaSettings.phoneNumberId,
                messagesPerSecond: settings.messagesPerSecond > 0 ? settings.messagesPerSecond : 80,
                clock: clock, wall: wall)
        } else {
            logger.notice(
                "delivery disabled: set WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID to deliver content; clicks are stored and wait for it")
        }

        var routes = WebhookRoutes.Configuration(verifyToken: settings.verifyToken)
        routes.bodyLimit = settings.bodyLimit
        routes.benchmarkRoutes = benchmarkRoutes
        var limits = WebhookServer.Limits()
        limits.idleTimeout = .seconds(settings.idleTimeoutSeconds)
        limits.bodyTimeout = .seconds(settings.bodyTimeoutSeconds)
        limits.maxConnections = settings.maxConnections
        let app = WebhookServer.application(
            router: WebhookRoutes.router(ingestor: ingestor, configuration: routes),
            address: .hostname(settings.host, port: settings.webhookPort), limits: limits, logger: logger,
            onServerRunning: { channel in onReady(channel.localAddress?.port ?? -1) })
        // Shut down in reverse: the listener stops first, then the saga finishes its calls in
        // flight, then the projector, and the log closes last.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: EventLogService(log: log)),
            // Their end (or failure) must not stop ingestion: projections and deliveries are
            // derived from the log, webhooks are not.
            DerivedWorkService(
                name: "projector",
                afterFailure: "webhooks are still stored in the log; restart the service or run `clickunlock rebuild` to bring projections up to date",
                logger: logger, work: { try await projector.run() }
            ).configuration,
        ]
        if let saga {
            services.append(
                DerivedWorkService(
                    name: "delivery saga",
                    afterFailure: "clicks are still stored in the log and unfinished deliveries continue at the next start",
                    logger: logger, service: saga
                ).configuration)
        }
        services.append(.init(service: app))
        if let token = settings.dashboardToken {
            services.append(
                .init(
                    service: Application(
                        router: OperatorRoutes.router(token: token, templates: templates),
                        configuration: .init(address: .hostname(settings.apiHost, port: settings.apiPort), serverName: "clickunlock-api"),
                        onServerRunning: { channel in onAPIReady(channel.localAddress?.port ?? -1) },
                        logger: logger)))
        } else {
            logger.notice("operator API off: set CLICKUNLOCK_DASHBOARD_TOKEN to send templates through the running service")
        }
        return ServiceAssembly(log: log, projector: projector, saga: saga, http: http, templates: templates, services: services)
    }

    func shutdown() async {
        try? await http?.shutdown()
    }
}
