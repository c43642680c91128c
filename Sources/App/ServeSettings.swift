import Foundation

/// `serve`'s settings: from a JSON config file, then the environment, then flags (each overriding
/// the one before). Secrets are never printed: `description` says only whether they are set.
struct ServeSettings: CustomStringConvertible {
    var dataDirectory = "./data"
    var host = "0.0.0.0"
    var webhookPort = 3000
    var appSecret: String?
    var verifyToken: String?
    var accessToken: String?
    var phoneNumberIds: [String] = []
    var authorizedContacts: Set<String> = []
    var bodyLimit = 3 * 1024 * 1024
    /// The public port closes a connection with no request in progress, or whose headers have not
    /// all arrived, after this long.
    var idleTimeoutSeconds = 15
    /// ...and one whose request body has not all arrived this long after its headers.
    var bodyTimeoutSeconds = 20
    /// Connections open at once on the public port; past it, new ones wait to be accepted.
    var maxConnections = 512
    /// How long a message id (or a status) counts as already stored: Meta redelivers for 7 days.
    var dedupeWindowDays = 8
    /// The Graph API (or the simulator) the saga sends through.
    var graphBaseURL = "https://graph.facebook.com"
    var graphAPIVersion = "v25.0"
    /// The content manifest; `nil` means `content.yaml` in the data directory.
    var manifestPath: String?
    var messagesPerSecond = 80.0
    var strictOrder = false
    var reconcileWaitMs: Int64 = 5000
    var confirmationWaitMs: Int64 = 60_000
    /// A second tap for a pack already delivered to the contact starts nothing (the default).
    var oncePerContactAndPack = true
    /// Above this many log events per second the projector waits for the burst to pass (0: never).
    var projectionsYieldAbove = 10_000
    /// ...for at most this long behind the log.
    var projectionsMaxYieldSeconds = 30

    /// The operator API (template sends now; the dashboard API later), on loopback by default.
    var apiHost = "127.0.0.1"
    var apiPort = 3002
    /// Bearer token of the operator API; without one the API does not listen.
    var dashboardToken: String?

    /// Where each secret that is set came from (a file and key, an environment variable), for
    /// error messages; never the value.
    var secretSources: [SecretSetting: String] = [:]

    var resolvedManifestPath: String { manifestPath ?? dataDirectory + "/content.yaml" }
    /// Delivery needs a token and a number to send from.
    var deliveryEnabled: Bool { accessToken != nil && !phoneNumberIds.isEmpty }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The config file's keys (all optional).
    private struct File: Decodable {
        var dataDir: String?
        var host: String?
        var webhookPort: Int?
        var appSecret: String?
        var verifyToken: String?
        var accessToken: String?
        var phoneNumberIds: [String]?
        var authorizedContacts: [String]?
        var bodyLimitBytes: Int?
        var idleTimeoutSeconds: Int?
        var bodyTimeoutSeconds: Int?
        var maxConnections: Int?
        var dedupeWindowDays: Int?
        var graphBaseUrl: String?
        var graphApiVersion: String?
        var manifest: String?
        var messagesPerSecond: Double?
        var strictOrder: Bool?
        var reconcileWaitMs: Int64?
        var confirmationWaitMs: Int64?
        var oncePerContactAndPack: Bool?
        var apiHost: String?
        var apiPort: Int?
        var dashboardToken: String?
        var projectionsYieldAbove: Int?
        var projectionsMaxYieldSeconds: Int?

        enum CodingKeys: String, CodingKey {
            case dataDir = "data_dir", host, webhookPort = "webhook_port", appSecret = "app_secret",
                verifyToken = "verify_token", accessToken = "access_token", phoneNumberIds = "phone_number_ids",
                authorizedContacts = "authorized_contacts", bodyLimitBytes = "body_limit_bytes",
                idleTimeoutSeconds = "idle_timeout_seconds", bodyTimeoutSeconds = "body_timeout_seconds",
                maxConnections = "max_connections",
                dedupeWindowDays = "dedupe_window_days", graphBaseUrl = "graph_base_url", graphApiVersion = "graph_api_version",
                manifest, messagesPerSecond = "messages_per_second", strictOrder = "strict_order",
                reconcileWaitMs = "reconcile_wait_ms", confirmationWaitMs = "confirmation_wait_ms",
                oncePerContactAndPack = "once_per_contact_and_pack", apiHost = "api_host", apiPort = "api_port",
                dashboardToken = "dashboard_token", projectionsYieldAbove = "projections_yield_above",
                projectionsMaxYieldSeconds = "projections_max_yield_seconds"
        }
    }

    mutating func apply(configFile path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Failure(description: "cannot read the config file \(path): \(error.localizedDescription)")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw Failure(description: "config file \(path) is not valid JSON: \(context.debugDescription)")
        } catch let DecodingError.typeMismatch(_, context) {
            throw Failure(description: "config file \(path): wrong type for \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw Failure(description: "config file \(path) could not be read as settings")
        }
        for (setting, value) in [
            (SecretSetting.appSecret, file.appSecret), (.verifyToken, file.verifyToken), (.accessToken, file.accessToken),
            (.dashboardToken, file.dashboardToken),
        ] where value != nil {
            secretSources[setting] = "the config file \(path) (key \(setting.rawValue))"
        }
        dataDirectory = file.dataDir ?? dataDirectory
        host = file.host ?? host
        webhookPort = file.webhookPort ?? webhookPort
        appSecret = file.appSecret ?? appSecret
        verifyToken = file.verifyToken ?? verifyToken
        accessToken = file.accessToken ?? accessToken
        phoneNumberIds = file.phoneNumberIds ?? phoneNumberIds
        authorizedContacts = file.authorizedContacts.map(Set.init) ?? authorizedContacts
        bodyLimit = file.bodyLimitBytes ?? bodyLimit
        idleTimeoutSeconds = file.idleTimeoutSeconds ?? idleTimeoutSeconds
        bodyTimeoutSeconds = file.bodyTimeoutSeconds ?? bodyTimeoutSeconds
        maxConnections = file.maxConnections ?? maxConnections
        dedupeWindowDays = file.dedupeWindowDays ?? dedupeWindowDays
        graphBaseURL = file.graphBaseUrl ?? graphBaseURL
        graphAPIVersion = file.graphApiVersion ?? graphAPIVersion
        manifestPath = file.manifest ?? manifestPath
        messagesPerSecond = file.messagesPerSecond ?? messagesPerSecond
        strictOrder = file.strictOrder ?? strictOrder
        reconcileWaitMs = file.reconcileWaitMs ?? reconcileWaitMs
        confirmationWaitMs = file.confirmationWaitMs ?? confirmationWaitMs
        oncePerContactAndPack = file.oncePerContactAndPack ?? oncePerContactAndPack
        apiHost = file.apiHost ?? apiHost
        apiPort = file.apiPort ?? apiPort
        dashboardToken = file.dashboardToken ?? dashboardToken
        projectionsYieldAbove = file.projectionsYieldAbove ?? projectionsYieldAbove
        projectionsMaxYieldSeconds = file.projectionsMaxYieldSeconds ?? projectionsMaxYieldSeconds
    }

    mutating func apply(environment: [String: String]) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        // A secret variable that is set counts even when empty: it then stops the start, rather
        // than leave a setting from the config file (or none) in force unnoticed.
        func secret(_ setting: SecretSetting) -> String? {
            guard let value = environment[setting.environmentName] else { return nil }
            secretSources[setting] = "the environment variable \(setting.environmentName)"
            return value
        }
        appSecret = secret(.appSecret) ?? appSecret
        verifyToken = secret(.verifyToken) ?? verifyToken
        accessToken = secret(.accessToken) ?? accessToken
        if let ids = value("WHATSAPP_PHONE_NUMBER_ID") { phoneNumberIds = Self.list(ids) }
        if let contacts = value("CLICKUNLOCK_AUTHORIZED_CONTACTS") { authorizedContacts = Set(Self.list(contacts)) }
        graphBaseURL = value("CLICKUNLOCK_GRAPH_BASE_URL") ?? graphBaseURL
        dashboardToken = secret(.dashboardToken) ?? dashboardToken
    }

    /// The secrets that are set, each checked by `SecretSetting`'s rule; the first problem found.
    func validateSecrets() throws(Failure) {
        for (setting, value) in [
            (SecretSetting.appSecret, appSecret), (.verifyToken, verifyToken), (.accessToken, accessToken),
            (.dashboardToken, dashboardToken),
        ] {
            guard let value else { continue }
            if let problem = setting.problem(with: value, from: secretSources[setting] ?? "the settings") {
                throw Failure(description: problem)
            }
        }
    }

    static func list(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == " " }).map(String.init).filter { !$0.isEmpty }
    }

    var description: String {
        """
        data directory \(dataDirectory); webhook port \(host):\(webhookPort); operator API \(dashboardToken == nil ? "off (no dashboard token)" : "\(apiHost):\(apiPort)"); app secret \(appSecret == nil ? "NOT set" : "set"); \
        verify token \(verifyToken == nil ? "not set" : "set"); access token \(accessToken == nil ? "not set" : "set"); \
        phone number ids \(phoneNumberIds.isEmpty ? "none" : phoneNumberIds.joined(separator: ",")); \
        authorized contacts \(authorizedContacts.isEmpty ? "everyone" : "\(authorizedContacts.count)"); body limit \(bodyLimit) bytes; \
        connections at most \(maxConnections), idle timeout \(idleTimeoutSeconds) s, \
        body timeout \(bodyTimeoutSeconds) s; \
        dedupe window \(dedupeWindowDays) days; projections \(projectionsYieldAbove == 0 ? "always live" : "wait out bursts above \(projectionsYieldAbove) events/s for up to \(projectionsMaxYieldSeconds) s"); delivery \(deliveryEnabled ? "through \(graphBaseURL)/\(graphAPIVersion), manifest \(resolvedManifestPath), \(messagesPerSecond) msg/s\(strictOrder ? ", strict order" : "")" : "disabled (needs an access token and a phone number id)")
        """
    }
}
