import Adapters
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// `graph_token`: the access token works: a `GET /{version}/{phone-number-id}` on the configured
/// Graph base URL answers with the number (Meta's 190 means the token expired or was revoked).
enum DoctorGraphCheck {
    static let name = "graph_token"
    static let title = "Graph API token works"

    static func check(_ configuration: ServiceConfiguration) async -> DoctorResult {
        let delivery = configuration.delivery
        guard let token = delivery.accessToken, let number = delivery.phoneNumberIds.first else {
            return .skipped(name, title, "delivery is off (no access token or phone number id)")
        }
        var graph = delivery.graph(token: token)
        graph.timeout = .seconds(10)
        let url = "\(graph.baseURL)/\(graph.version)/\(number)"
        let http = GraphAPIClient.makeHTTPClient(configuration: graph, connectionsPerHost: 1)
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let answer = await attempt { () async throws -> (Int, Data) in
            let response = try await http.execute(request, timeout: graph.timeout)
            return (Int(response.status.code), Data(buffer: try await response.body.collect(upTo: 1 << 20)))
        }
        try? await http.shutdown()
        switch answer {
        case .success(let (status, body)):
            return outcome(status: status, body: body, url: url, number: number)
        case .failure(let error):
            return .failed(
                name, title, "GET \(url) failed: \(reason(error))",
                [
                    "check graph_base_url (CLICKUNLOCK_GRAPH_BASE_URL, --graph-base-url): \(graph.baseURL)",
                    "check that this machine reaches it (DNS, firewall, proxy): `curl -sS \(graph.baseURL)`",
                ])
        }
    }

    static func outcome(status: Int, body: Data, url: String, number: String) -> DoctorResult {
        if (200..<300).contains(status),
            let fields = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
        {
            let shown = ["display_phone_number", "verified_name", "quality_rating"].compactMap { key in
                (fields[key] as? String).map { "\(key) \($0)" }
            }
            return .ok(name, title, "phone number \(number) answers: " + shown.joined(separator: ", "))
        }
        let error = try? JSONDecoder().decode(GraphErrorResponse.self, from: body)
        let code = error?.error.code ?? (status == 401 ? 190 : 0)
        let message = String((error?.error.message ?? "HTTP \(status)").prefix(200))
        if code == 190 {
            return .failed(
                name, title,
                "Meta answered 190 (\(message)): the access token has expired or was revoked; no message can be sent",
                [
                    "create a new token: Meta Business Settings → Users → System users → Generate new token (with "
                        + "whatsapp_business_messaging and whatsapp_business_management), never expiring",
                    "put it in WHATSAPP_ACCESS_TOKEN (or access_token in the config file) and restart the service "
                        + "(webhooks keep being acknowledged meanwhile; deliveries in flight resume)",
                ])
        }
        if code == 100 || status == 404 {
            return .failed(
                name, title, "Meta answered \(code) (\(message)) for phone number \(number)",
                [
                    "check WHATSAPP_PHONE_NUMBER_ID (phone_number_ids): WhatsApp Manager → Phone numbers shows the id",
                    "check that the token's system user has the WhatsApp account assigned",
                ])
        }
        return .failed(
            name, title, "GET \(url) answered HTTP \(status), error \(code) (\(message))",
            ["see Meta's error codes (docs/integration.md), and status.fb.com for an outage"])
    }

    private static func reason(_ error: any Error) -> String {
        if let client = error as? HTTPClientError { return "\(client)" }
        if error is NIOConnectionError { return "connection failed" }
        if let io = error as? IOError { return "\(io.description)" }
        return "\(type(of: error))"
    }
}
