public import Delivery
import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore

/// The operator port (default 3002, loopback): actions on the running service, behind the
/// dashboard token. Today: `POST /api/templates/send`, the template sender inside the service
/// (which holds the log), so the daily send needs no stop. Later issues add the dashboard API here.
public enum OperatorRoutes {
    public static func router(token: String, templates: TemplateSender?) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("/api/templates/send") { request, _ -> Response in
            guard authorized(request, token: token) else {
                return try answer(
                    .unauthorized, ["error": "missing or wrong bearer token (CLICKUNLOCK_DASHBOARD_TOKEN)"])
            }
            guard let templates else {
                return try answer(
                    .serviceUnavailable,
                    ["error": "delivery is disabled: set WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID"])
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: 1 << 20)
            } catch {
                return try answer(.contentTooLarge, ["error": "the request body is larger than 1 MiB"])
            }
            let parsed: TemplateRequest
            do {
                parsed = try JSONDecoder().decode(TemplateRequest.self, from: Data(buffer: body)).validated()
            } catch let invalid as TemplateRequest.Invalid {
                return try answer(.badRequest, ["error": invalid.description])
            } catch {
                return try answer(
                    .badRequest,
                    [
                        "error":
                            "expected JSON {\"recipients\": [...], \"template\"?, \"language\"?, "
                            + "\"payload\"?, \"day\"?, \"force\"?}"
                    ])
            }
            do {
                let summary = try await templates.send(parsed)
                let data = try JSONEncoder().encode(summary)
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
            } catch {
                return try answer(.serviceUnavailable, ["error": "the log cannot take the sends now; try again"])
            }
        }
        return router
    }

    static func authorized(_ request: Request, token: String) -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        return WebhookRoutes.constantTimeEqual(Array(header.dropFirst(7).utf8), Array(token.utf8))
    }

    /// A JSON answer; a body that does not encode is thrown (Hummingbird answers 500), never sent empty.
    static func answer(_ status: HTTPResponse.Status, _ body: [String: String]) throws -> Response {
        let data = try JSONEncoder().encode(body)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
