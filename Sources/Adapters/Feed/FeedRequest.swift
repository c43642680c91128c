import Foundation
import HTTPTypes

/// A request to follow the live feed, read from its query (and, for Server-Sent Events, its
/// `Last-Event-ID`): where to resume and what to send. Checked before any upgrade: a bad value
/// is a 400 naming the parameter.
struct FeedRequest: Sendable, Equatable {
    var filter = FeedFilter()
    /// Resume after this position; `nil`: from now.
    var from: UInt64?

    /// The parameters the feed takes (`token` is the credential, read by `credential(_:)`).
    static let parameters: Set<String> = ["from", "types", "type", "contact", "token"]

    init(query: String?, lastEventID: String? = nil) throws(DashboardError) {
        let query = try QueryParameters(query: query, allowed: Self.parameters, repeatable: ["type"])
        let listed = (query["types"] ?? "").split(separator: ",").map { String($0) }.filter { !$0.isEmpty }
        filter.typePrefixes = try ParameterRules.typePrefixes(
            listed + query.all("type"), name: query["types"] != nil ? "types" : "type")
        filter.contact = try ParameterRules.contact(query["contact"])
        if let lastEventID, !lastEventID.isEmpty {
            from = try ParameterRules.position(lastEventID, name: "Last-Event-ID", allowZero: true)
        } else {
            from = try ParameterRules.position(query["from"], name: "from", allowZero: true)
        }
    }

    /// The bearer credential a feed request presents, as an `Authorization` value: the header,
    /// else the WebSocket subprotocol `bearer.<token>` (browsers cannot set headers on a
    /// WebSocket), else `?token=`.
    static func credential(_ head: HTTPRequest) -> String? {
        if let authorization = head.headerFields[.authorization] { return authorization }
        if let token = subprotocolToken(head) { return "Bearer " + token }
        let query = head.path.flatMap { path in path.firstIndex(of: "?").map { path[path.index(after: $0)...] } }
        guard let query, let parameters = try? QueryParameters(query: String(query), allowed: parameters) else {
            return nil
        }
        return parameters["token"].map { "Bearer " + $0 }
    }

    /// The subprotocol offered as `bearer.<token>`, if any (`Sec-WebSocket-Protocol` lists them
    /// separated by commas).
    static func subprotocolToken(_ head: HTTPRequest) -> String? {
        for field in head.headerFields[values: .secWebSocketProtocol] {
            for offered in field.split(separator: ",") {
                let name = offered.trimmingCharacters(in: .whitespaces)
                if name.hasPrefix(subprotocolPrefix), name.count > subprotocolPrefix.count {
                    return String(name.dropFirst(subprotocolPrefix.count))
                }
            }
        }
        return nil
    }

    /// The subprotocol the server accepts when the client offered its token that way.
    static func acceptedSubprotocol(_ head: HTTPRequest) -> String? {
        subprotocolToken(head).map { subprotocolPrefix + $0 }
    }

    static let subprotocolPrefix = "bearer."
}
