/// `configuration`: the settings load (config file, environment, flags), and the secrets the
/// service needs are set. Secrets are named, never shown.
enum DoctorConfigurationCheck {
    static let name = "configuration"
    static let title = "Configuration loads and its secrets are set"

    static func failure(_ error: ConfigurationFailure, configFile: String?) -> DoctorResult {
        .failed(
            name, title, error.description,
            [
                "fix the setting named above (in \(configFile ?? "the config file"), the service's environment or "
                    + "its flags), then rerun `clickunlock doctor`",
                "`clickunlock settings` lists every setting; `clickunlock serve --print-settings` shows what a start "
                    + "would use and where each value came from (secrets redacted)",
            ])
    }

    static func check(_ configuration: ServiceConfiguration) -> DoctorResult {
        var problems: [String] = []
        var warnings: [String] = []
        var remedies: [String] = []
        let set = SecretSetting.allCases.filter { secret in value(of: secret, in: configuration) != nil }
        if configuration.ingress.appSecret == nil {
            problems.append("the app secret is not set: `serve` refuses to start without it")
            remedies.append(
                "set WHATSAPP_APP_SECRET (Meta App Dashboard → App settings → Basic → App secret) in the service's "
                    + "environment file, or app_secret in the config file")
        }
        if configuration.ingress.routes.verifyToken == nil {
            warnings.append("the verify token is not set: Meta's webhook handshake (GET /webhook) will be refused")
            remedies.append(
                "set WHATSAPP_VERIFY_TOKEN (or verify_token in the config file) to the token entered in Meta's "
                    + "webhook settings")
        }
        let delivery = configuration.delivery
        switch (delivery.accessToken != nil, !delivery.phoneNumberIds.isEmpty) {
        case (true, false):
            problems.append("an access token is set but no phone number id: delivery stays off")
            remedies.append("set WHATSAPP_PHONE_NUMBER_ID (or phone_number_ids in the config file)")
        case (false, true):
            problems.append("a phone number id is set but no access token: delivery stays off")
            remedies.append("set WHATSAPP_ACCESS_TOKEN (or access_token in the config file)")
        case (false, false):
            warnings.append("no access token and no phone number id: delivery is off (clicks unlock nothing)")
            remedies.append("set WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID to deliver content")
        case (true, true):
            break
        }
        let names = set.isEmpty ? "none" : set.map(\.rawValue).joined(separator: ", ")
        let summary = "secrets set: \(names) (values not shown)"
        if !problems.isEmpty {
            return .failed(name, title, (problems + warnings).joined(separator: "; ") + "; " + summary, remedies)
        }
        if !warnings.isEmpty {
            return .warning(name, title, warnings.joined(separator: "; ") + "; " + summary, remedies)
        }
        return .ok(name, title, "loaded; " + summary)
    }

    private static func value(of secret: SecretSetting, in configuration: ServiceConfiguration) -> String? {
        switch secret {
        case .appSecret: return configuration.ingress.appSecret
        case .verifyToken: return configuration.ingress.routes.verifyToken
        case .accessToken: return configuration.delivery.accessToken
        case .dashboardToken: return configuration.dashboardAPI.token
        }
    }
}
