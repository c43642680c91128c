import Foundation
public import HTTPTypes

/// Every 4xx and 5xx answer of the dashboard port, in one shape:
/// `{"error": {"code": "bad_parameter", "message": "...", "parameter": "day" | null}}`.
///
/// The message says what is wrong and how to fix it; it never holds a token, SQL or a stack trace
/// (errors from below are answered as `internal` with a fixed text, see `DashboardFrame`).
public struct DashboardError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    /// The contract's snake_case code (`bad_parameter`, `unauthorized`, ...).
    public var code: String
    public var message: String
    /// The query parameter that is wrong, when one is.
    public var parameter: String?
    /// Headers the answer needs (`Allow`, `Retry-After`, `WWW-Authenticate`).
    public var headers: HTTPFields = [:]

    public init(
        _ status: HTTPResponse.Status, code: String, _ message: String, parameter: String? = nil,
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.parameter = parameter
        self.headers = headers
    }

    public static func badParameter(_ parameter: String, _ message: String) -> DashboardError {
        DashboardError(.badRequest, code: "bad_parameter", message, parameter: parameter)
    }

    public static func notFound(_ message: String) -> DashboardError {
        DashboardError(.notFound, code: "not_found", message)
    }

    static let unauthorized = DashboardError(
        .unauthorized, code: "unauthorized",
        "missing or wrong bearer token: send `Authorization: Bearer <token>` with the service's "
            + "CLICKUNLOCK_DASHBOARD_TOKEN",
        headers: [.wwwAuthenticate: "Bearer"])

    static func tooManyRequests(retryAfterSeconds: Int) -> DashboardError {
        DashboardError(
            .tooManyRequests, code: "too_many_requests",
            "too many wrong tokens from this address; retry after \(retryAfterSeconds) s with the right token",
            headers: [.retryAfter: String(retryAfterSeconds)])
    }

    static func methodNotAllowed(_ method: HTTPRequest.Method, allowed: [String]) -> DashboardError {
        DashboardError(
            .methodNotAllowed, code: "method_not_allowed",
            "\(method.rawValue) is not allowed here; use \(allowed.joined(separator: " or "))",
            headers: [.allow: allowed.joined(separator: ", ")])
    }

    static func pathNotFound() -> DashboardError {
        .notFound("no such route; the routes are listed in /openapi.json")
    }

    static func payloadTooLarge(limit: Int) -> DashboardError {
        DashboardError(
            .contentTooLarge, code: "payload_too_large", "the request body is larger than \(limit) bytes")
    }

    static func unavailable(_ message: String, retryAfterSeconds: Int? = nil) -> DashboardError {
        DashboardError(
            .serviceUnavailable, code: "unavailable", message,
            headers: retryAfterSeconds.map { [.retryAfter: String($0)] } ?? [:])
    }

    static let internalError = DashboardError(
        .internalServerError, code: "internal",
        "the service could not answer this request; it is logged, try again or check the service log")

    /// The JSON body.
    var body: [UInt8] {
        struct Body: Encodable {
            struct Detail: Encodable {
                let code: String
                let message: String
                let parameter: String?

                func encode(to encoder: any Encoder) throws {
                    var container = encoder.container(keyedBy: CodingKeys.self)
                    try container.encode(code, forKey: .code)
                    try container.encode(message, forKey: .message)
                    try container.encode(parameter, forKey: .parameter)  // null, not left out
                }

                enum CodingKeys: CodingKey { case code, message, parameter }
            }
            let error: Detail
        }
        let encoded = try? JSONEncoder().encode(
            Body(error: .init(code: code, message: message, parameter: parameter)))
        return encoded.map { Array($0) } ?? Array(#"{"error":{"code":"internal","message":"","parameter":null}}"#.utf8)
    }
}
