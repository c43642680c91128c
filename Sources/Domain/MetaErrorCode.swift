/// What a Graph API / webhook error code means, in words for an operator: the one table the
/// projections, the delivery saga and the adapters share (the reference's section 6). How a
/// code is *handled* (retry or not) is `ErrorPolicy`'s business, in module Delivery.
public enum MetaErrorCode {
    /// The meaning of `code`; a code not in the table says so, so an answer always has one.
    public static func meaning(_ code: Int) -> String {
        if let known = table[code] { return known }
        switch code {
        case 132000...132999: return "template problem (not approved, paused, or mismatched parameters)"
        case 200...299: return "the app lacks an API permission"
        case 500...599: return "Meta's server answered with an error (HTTP \(code))"
        default: return "code \(code), not in this service's table of Meta errors"
        }
    }

    private static let table: [Int: String] = [
        0: "authentication exception: the access token cannot be used",
        1: "the API call failed for an unknown reason (possibly downtime), or it was not sent",
        2: "the API service is temporarily unavailable",
        3: "the app lacks the capability for this API method",
        4: "too many API calls from the app (app rate limit)",
        10: "permission denied for this action",
        100: "invalid parameter in the request",
        190: "the access token is invalid or expired",
        368: "temporarily blocked for policy violations",
        80007: "the WhatsApp Business Account reached its rate limit",
        130429: "the phone number's throughput limit was reached",
        130472: "the contact is part of an experiment: not delivered",
        131000: "something went wrong at Meta (generic error), or the outcome is unknown",
        131008: "a required parameter is missing",
        131009: "a parameter value is not valid",
        131016: "the service is unavailable",
        131026: "undeliverable to this contact (not on WhatsApp, outdated app, terms not accepted, or blocked)",
        131030: "the recipient is not in the test number's allowed list",
        131031: "the business account is locked",
        131042: "a payment or eligibility problem with the business account",
        131047: "more than 24 hours since the contact's last message: only a template can reach them",
        131048: "spam rate limit hit (message quality or blocks)",
        131049: "not delivered to maintain healthy ecosystem engagement",
        131050: "the contact stopped marketing messages",
        131051: "unsupported message type",
        131052: "the media could not be downloaded",
        131053: "the media could not be uploaded (wrong type, or the link could not be fetched)",
        131056: "too many messages to the same contact in a short time (pair rate limit)",
        131057: "the business account is in maintenance mode",
        132000: "the template's parameter count does not match",
        132001: "the template does not exist in that language or is not approved",
        132005: "the template's text is too long once its parameters are filled",
        132007: "the template's text breaks the policy on characters",
        132012: "a template parameter has the wrong format",
        132015: "the template is paused for low quality",
        132016: "the template is disabled for low quality",
        133004: "Meta's server is temporarily unavailable",
        133010: "the phone number is not registered on the Cloud API",
    ]
}
