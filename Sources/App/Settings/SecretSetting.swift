import Foundation

/// The secrets `serve` reads, and the one rule they must meet before it starts: present values
/// are neither empty nor blank, carry no spaces or line breaks at their ends (a stray newline
/// from an environment file would silently become part of the key), and are not implausibly
/// short. A secret that breaks the rule stops the start (exit 78) with the setting and where it
/// came from named; its value is never printed.
enum SecretSetting: String, CaseIterable, Sendable {
    case appSecret = "app_secret"
    case verifyToken = "verify_token"
    case accessToken = "access_token"
    case dashboardToken = "dashboard_token"

    /// The environment variable that sets it.
    var environmentName: String {
        switch self {
        case .appSecret: return "WHATSAPP_APP_SECRET"
        case .verifyToken: return "WHATSAPP_VERIFY_TOKEN"
        case .accessToken: return "WHATSAPP_ACCESS_TOKEN"
        case .dashboardToken: return "CLICKUNLOCK_DASHBOARD_TOKEN"
        }
    }

    /// Fewer characters than this is a placeholder or a typo, not a secret.
    var minimumLength: Int {
        switch self {
        case .appSecret: return 16  // Meta's app secrets are 32 hex digits
        case .verifyToken: return 8
        case .accessToken: return 8
        case .dashboardToken: return 16
        }
    }

    /// Its name in messages.
    var title: String {
        switch self {
        case .appSecret: return "the app secret"
        case .verifyToken: return "the verify token"
        case .accessToken: return "the access token"
        case .dashboardToken: return "the dashboard token"
        }
    }

    private var what: String {
        switch self {
        case .appSecret: return "the app secret (it keys every webhook signature check)"
        case .verifyToken: return "the verify token (Meta presents it in the webhook handshake)"
        case .accessToken: return "the access token (the Graph API bearer token)"
        case .dashboardToken: return "the dashboard token (the bearer token of the dashboard API)"
        }
    }

    /// Why `value`, read from `source`, cannot be used; `nil` when it can.
    func problem(with value: String, from source: String) -> String? {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        let fix = "set a real value, or remove the setting"
        if trimmed.isEmpty {
            return "\(rawValue) from \(source) is \(value.isEmpty ? "empty" : "blank"): \(what) must not be; \(fix)"
        }
        if trimmed.count != value.count || value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        {
            return "\(rawValue) from \(source) has spaces, a line break or control characters in it "
                + "(at its start or end?): remove them; they would become part of \(what)"
        }
        if value.count < minimumLength {
            return "\(rawValue) from \(source) is only \(value.count) characters: "
                + "\(what) needs at least \(minimumLength); \(fix)"
        }
        return nil
    }
}
