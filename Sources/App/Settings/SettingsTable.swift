import Configuration

/// The catalogue as text: the README's table, the effective settings (`serve --print-settings`),
/// the start-up line. Secrets show as `<REDACTED>` (set) or `—` (not set), never their value.
enum SettingsTable {
    static let header = "| key | environment variable | flag | default | meaning |\n| --- | --- | --- | --- | --- |\n"

    /// One row per setting, as in the README (`clickunlock settings`).
    static var markdown: String {
        header + Settings.all.map(row).joined()
    }

    static func row(_ setting: Setting) -> String {
        func code(_ text: String?) -> String { text.map { "`\($0)`" } ?? "—" }
        let shown = setting.defaultValue
        let value = shown.hasPrefix("—") ? shown : "`\(shown)`"
        return "| \(setting.inFile ? code(setting.key) : "—") | \(code(setting.environment)) | \(code(setting.flag)) "
            + "| \(value) | \(setting.meaning.replacingOccurrences(of: "|", with: "\\|")) |\n"
    }

    /// `key<TAB>value<TAB>source` per setting; the source is `default` when nothing set it.
    static func effective(_ configuration: ServiceConfiguration) -> String {
        Settings.all.map { setting in
            let source = configuration.sources[setting.key]?.description ?? "default"
            return "\(setting.key)\t\(setting.show(configuration))\t\(source)\n"
        }.joined()
    }

    /// Where the settings that were set came from (no values), for the debug log.
    static func sources(_ configuration: ServiceConfiguration) -> String {
        let set = configuration.sources.sorted { $0.key < $1.key }.map { "\($0.key) from \($0.value)" }
        return set.isEmpty ? "all defaults" : set.joined(separator: "; ")
    }
}

extension ServiceConfiguration {
    /// The start-up line: what runs where, each secret only as set or not.
    var summary: String {
        let api =
            !dashboardAPI.listens
            ? "off (no dashboard token)"
            : "\(dashboardAPI.host):\(dashboardAPI.port)\(dashboardAPI.token == nil ? " OPEN (no token)" : "")"
        let phones = delivery.phoneNumberIds.isEmpty ? "none" : delivery.phoneNumberIds.joined(separator: ",")
        let contacts = ingress.authorizedContacts.isEmpty ? "everyone" : "\(ingress.authorizedContacts.count)"
        let limits = ingress.limits
        let projections =
            self.projections.yieldAboveEventsPerSecond == 0
            ? "always live"
            : "wait out bursts above \(self.projections.yieldAboveEventsPerSecond) events/s for up to "
                + "\(Int(self.projections.maxYield / .seconds(1))) s"
        let saga = delivery.saga
        let deliveryLine =
            delivery.enabled
            ? "through \(delivery.graphBaseURL)/\(delivery.graphAPIVersion), manifest \(resolvedManifestPath), "
                + "\(saga.messagesPerSecond) msg/s\(saga.strictOrder ? ", strict order" : "")"
            : "disabled (needs an access token and a phone number id)"
        return "data directory \(dataDirectory); webhook port \(ingress.host):\(ingress.port); dashboard API \(api); "
            + "app secret \(ingress.appSecret == nil ? "NOT set" : "set"); "
            + "verify token \(ingress.routes.verifyToken == nil ? "not set" : "set"); "
            + "access token \(delivery.accessToken == nil ? "not set" : "set"); phone number ids \(phones); "
            + "authorized contacts \(contacts); body limit \(ingress.routes.bodyLimit) bytes; "
            + "connections at most \(limits.maxConnections), idle timeout \(Int(limits.idleTimeout / .seconds(1))) s, "
            + "body timeout \(Int(limits.bodyTimeout / .seconds(1))) s; "
            + "dedupe window \(Int(ingress.dedupeWindow / .seconds(24 * 3600))) days; projections \(projections); "
            + "delivery \(deliveryLine)"
    }
}
