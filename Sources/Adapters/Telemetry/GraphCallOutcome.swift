public import Delivery

/// What became of one Graph API call, as telemetry counts it: low-cardinality by construction
/// (the Meta error code is an integer; the reason texts of `SendOutcome` are left out).
public enum GraphCallOutcome: Sendable, Hashable {
    /// Meta accepted the message.
    case ok
    /// Meta answered with an error body carrying this code.
    case error(code: Int)
    /// The request surely never reached Meta (connection refused, DNS).
    case notSent
    /// Meta may or may not have accepted it (timeout, reset, 5xx without an error body).
    case unknown

    /// The outcome of `send`'s answer.
    public init(_ outcome: SendOutcome) {
        switch outcome {
        case .accepted: self = .ok
        case .rejected(let error, _): self = .error(code: error.code)
        case .notSent: self = .notSent
        case .unknown: self = .unknown
        }
    }

    /// The `outcome` label of `clickunlock_graph_api_calls_total`.
    var label: String {
        switch self {
        case .ok: "ok"
        case .error: "error"
        case .notSent: "not_sent"
        case .unknown: "unknown"
        }
    }

    /// The Meta error code, for `.error` only.
    var code: Int? {
        if case .error(let code) = self { return code }
        return nil
    }
}
