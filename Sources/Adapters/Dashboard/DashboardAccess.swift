import Crypto
public import Logging

/// Who may use which dashboard route: `/healthz`, `/readyz` and `/openapi.json` are public; every
/// other `/api/...` route and `/metrics` need `Authorization: Bearer <token>`, compared in constant
/// time, unless the API is open (`--dashboard-open`, loopback only); the actions
/// (`POST /api/templates/send`) need the token even then.
///
/// Wrong tokens are slowed down per remote address (`FailedTokenThrottle`): a few a minute get 401,
/// more get 429 with `Retry-After`. The right token is checked first, so it is never refused.
public struct DashboardAccess: Sendable {
    enum Requirement: Equatable {
        case none
        /// The token, or an open API.
        case read
        /// The token, open API or not.
        case action
    }

    private let tokenDigest: [UInt8]?
    public let open: Bool
    let throttle: FailedTokenThrottle
    private let failures: BoundedLog

    /// `token`: the dashboard token (`nil`: none set); `open`: serve the read routes without one.
    public init(token: String?, open: Bool, logger: Logger) {
        self.init(token: token, open: open, throttle: FailedTokenThrottle(), logger: logger)
    }

    init(token: String?, open: Bool, throttle: FailedTokenThrottle, logger: Logger) {
        tokenDigest = token.map { Array(SHA256.hash(data: Array($0.utf8))) }
        self.open = open
        self.throttle = throttle
        failures = BoundedLog(logger: logger, level: .warning, what: "refused dashboard tokens")
    }

    static let actions: Set<String> = ["/api/templates/send"]

    static func requirement(for path: String) -> Requirement {
        if actions.contains(path) { return .action }
        if path == "/metrics" || path == "/api" || path.hasPrefix("/api/") { return .read }
        return .none
    }

    /// Throws `unauthorized` or `too_many_requests` unless the request may go on.
    func check(path: String, authorization: String?, peer: String) throws(DashboardError) {
        let requirement = Self.requirement(for: path)
        if requirement == .none || (requirement == .read && open) { return }
        guard let authorization else { throw .unauthorized }
        if presentsToken(authorization) { return }
        if let retryAfter = throttle.failure(from: peer) {
            failures.log(
                "dashboard API: wrong bearer token from \(peer), slowed down (429 for \(retryAfter) s)",
                reason: "slowed down", metadata: [:])
            throw .tooManyRequests(retryAfterSeconds: retryAfter)
        }
        failures.log("dashboard API: wrong bearer token from \(peer)", reason: "wrong token", metadata: [:])
        throw .unauthorized
    }

    private func presentsToken(_ authorization: String) -> Bool {
        guard let tokenDigest, let presented = Self.bearer(authorization) else { return false }
        return WebhookRoutes.constantTimeEqual(Array(SHA256.hash(data: Array(presented.utf8))), tokenDigest)
    }

    /// The token of `Bearer <token>` (the scheme in any case, RFC 6750).
    static func bearer(_ header: String) -> Substring? {
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        return header.dropFirst(7)
    }
}
