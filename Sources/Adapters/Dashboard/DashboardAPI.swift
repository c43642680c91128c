public import Delivery
public import Hummingbird
import HummingbirdCore
public import Logging
public import NIOCore

/// The dashboard port (`--api-host`, default 127.0.0.1; `--api-port`, default 3002): the read API
/// over the projections, the probes, the operator's actions and the web dashboard (`/`), behind the frame
/// (`DashboardFrame`: errors, bounds, CORS, the token, security headers).
public enum DashboardAPI {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port.
        public var port = 3002
        /// The bearer token; the port listens only with one, or open.
        public var token: String?
        /// Serve the read routes without a token (`--dashboard-open`; loopback only).
        public var open = false
        /// Origins allowed to read from a browser (`--cors-origin`).
        public var corsOrigins: [String] = []
        /// The time zone the projections count days in besides UTC.
        public var reportingTimeZone = "UTC"
        /// The live feed's own port (`--ws-port`) when it is a fixed one: the web page may connect to it.
        public var feedPort: Int?

        public init() {}

        /// Whether the port listens at all.
        public var listens: Bool { token != nil || open }

        /// Why this configuration must not start, or `nil`.
        public var problem: String? {
            if open && !Self.isLoopback(host) {
                return "--dashboard-open serves the dashboard API without a token, so it is only allowed on a "
                    + "loopback address, and --api-host is \(host); use --api-host 127.0.0.1 (or ::1), or set "
                    + "CLICKUNLOCK_DASHBOARD_TOKEN instead of --dashboard-open"
            }
            do {
                _ = try CORSPolicy(origins: corsOrigins)
            } catch {
                return "--cors-origin: \(error)"
            }
            return nil
        }

        /// 127.0.0.0/8, ::1 and `localhost`.
        public static func isLoopback(_ host: String) -> Bool {
            let lower = host.lowercased()
            if lower == "localhost" || lower == "::1" || lower == "[::1]" { return true }
            let parts = lower.split(separator: ".", omittingEmptySubsequences: false)
            return parts.count == 4 && parts[0] == "127"
                && parts.allSatisfy { part in part.count <= 3 && UInt8(part).map { _ in true } ?? false }
        }
    }

    /// What the routes read and act on.
    public struct Parts: Sendable {
        public var reader: ProjectionReader
        /// `/readyz`: the log is open and the projections caught up to where it was at start.
        public var ready: @Sendable () -> Bool
        /// The template sender (`nil`: delivery is off).
        public var templates: TemplateSender?
        /// `/metrics` and the process's part of health (`nil`: they answer 503).
        public var telemetry: ServiceTelemetry?
        /// Health: whether the projector still runs (it stops alone after a failure).
        public var projectorRunning: @Sendable () -> Bool = { true }
        /// The live feed (`nil`: its routes answer 503).
        public var feed: FeedHub?

        public init(
            reader: ProjectionReader, ready: @escaping @Sendable () -> Bool, templates: TemplateSender?,
            telemetry: ServiceTelemetry? = nil, projectorRunning: @escaping @Sendable () -> Bool = { true },
            feed: FeedHub? = nil
        ) {
            self.reader = reader
            self.ready = ready
            self.templates = templates
            self.telemetry = telemetry
            self.projectorRunning = projectorRunning
            self.feed = feed
        }
    }

    /// The router: the frame first, then every route.
    public static func router(
        configuration: Configuration, parts: Parts, logger: Logger
    ) throws -> Router<DashboardRequestContext> {
        let answers = DataAnswers(reader: parts.reader, cache: AnswerCache(), logger: logger)
        let zone = configuration.reportingTimeZone
        let health = HealthRoute(
            answers: answers, telemetry: parts.telemetry, projectorRunning: parts.projectorRunning,
            sagaEnabled: parts.templates != nil, feed: parts.feed)
        let routes =
            ProbeRoutes.routes(ready: parts.ready) + [TemplateSendRoute.route(templates: parts.templates)]
            + SummaryRoutes.routes(answers, reportingZone: zone) + ListRoutes.routes(answers, reportingZone: zone)
            + [health.route, AlertsRoute.route(answers), ServiceRoutes.prometheus(parts.telemetry)]
            + [ServiceRoutes.openAPI()]
            + FeedRoutes.routes(parts.feed)
            + WebRoutes.routes(
                page: WebPage(open: configuration.open, reportingTimeZone: zone, feedPort: configuration.feedPort))
        return try router(configuration: configuration, routes: routes, logger: logger)
    }

    /// A router of `routes` behind the frame (tests add routes of their own).
    static func router(
        configuration: Configuration, routes: [DashboardRoute], logger: Logger,
        access: DashboardAccess? = nil
    ) throws -> Router<DashboardRequestContext> {
        var table = RouteTable()
        for route in routes { table.add(route.path, route.method) }
        let router = Router(context: DashboardRequestContext.self)
        router.add(
            middleware: DashboardFrame(
                routes: table, cors: try CORSPolicy(origins: configuration.corsOrigins),
                access: access ?? DashboardAccess(token: configuration.token, open: configuration.open, logger: logger),
                logger: logger))
        for route in routes {
            router.on(RouterPath(route.path), method: route.method, use: route.handler)
        }
        return router
    }

    /// The port's application, ready to run as a service: no `Server` header, the webhook port's
    /// limits on slow and greedy clients, and the live feed's WebSocket at `/api/webhook/ws`
    /// (its clients beside the 256 other connections).
    public static func application(
        router: Router<DashboardRequestContext>, configuration: Configuration, feed: FeedHub? = nil,
        logger: Logger, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var limits = WebhookServer.Limits()
        limits.maxConnections = 256 + (feed?.configuration.maxClients ?? 0)
        let access = DashboardAccess(token: configuration.token, open: configuration.open, logger: logger)
        return Application(
            router: router,
            server: FeedPort.server(
                limits: limits,
                feed: feed.map { WebSocketFeed(hub: $0, access: access, paths: [FeedRoutes.webSocketPath]) }),
            configuration: WebhookServer.configuration(
                address: .hostname(configuration.host, port: configuration.port), serverName: nil, limits: limits,
                logger: logger),
            onServerRunning: onServerRunning, logger: logger)
    }
}
