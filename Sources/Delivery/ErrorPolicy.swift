public import Domain

/// How a Graph API error code is handled (the reference's table, section 6): classified by
/// `error.code`, never by HTTP status.
public enum ErrorPolicy: Equatable, Sendable {
    /// Try again after exponential backoff with jitter.
    case retry
    /// Pair rate limit (131056): retry this recipient after 4^X seconds.
    case pairPacing
    /// Never resend; the reason is for people.
    case permanent(String)

    public static func classify(_ error: MetaError) -> ErrorPolicy {
        switch error.code {
        case 131056:
            return .pairPacing
        case 130429, 131000, 131016, 1, 2, 4, 80007, 133004, 131057, 131048:
            return .retry
        case 131047:
            return .permanent(
                "the 24-hour window is closed (more than 24 hours since the contact's last message); "
                    + "only a template can reach them now"
            )
        case 131026:
            return .permanent(
                "the message is undeliverable to this contact "
                    + "(not on WhatsApp, outdated app, terms not accepted, or blocked)"
            )
        case 131049, 131050, 130472:
            return .permanent("Meta chose not to deliver to this contact (code \(error.code))")
        case 190:
            return .permanent("the access token is invalid or expired; set a fresh WHATSAPP_ACCESS_TOKEN")
        case 100, 131008, 131009, 131051:
            return .permanent(
                "Meta rejected the request as invalid (code \(error.code)): "
                    + "\(error.details ?? error.message ?? "bad parameter"); check the content manifest"
            )
        case 131052, 131053:
            return .permanent(
                "Meta could not fetch or accept the media (code \(error.code)); check the image link or media id")
        case 132000...132999:
            return .permanent(
                "template problem (code \(error.code)): "
                    + (error.details ?? error.message ?? "not approved or mismatched")
            )
        case 133010, 131030, 131031, 131042, 368, 0, 3, 10, 200...299:
            return .permanent(
                "the business account or number cannot send (code \(error.code)): "
                    + (error.details ?? error.message ?? "configuration")
            )
        default:
            if (500...599).contains(error.code) { return .retry }
            return .permanent(
                "Meta refused the message (code \(error.code)): \(error.details ?? error.message ?? "no details")")
        }
    }
}
