public import AsyncHTTPClient
public import EventStore
import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore
import ServiceLifecycle

/// A stand-in for the WhatsApp Cloud API send endpoint, with Meta's answers, signed status
/// webhooks, fault injection and virtual contacts who tap the template's button.
///
/// - `POST /{version}/{phone-number-id}/messages`: checks the bearer token and the body's shape.
/// - `GET /{version}/{phone-number-id}`: the number's details (what `doctor` asks to check the token);
///   a token other than the expected one gets 190, as a revoked or expired one does from Meta.
/// - `GET /_sim/messages[?to=]`: what it accepted, in order.
public struct GraphSimulator: Sendable {
    public let configuration: SimulatorConfiguration
    let state: SimulatorState
    let webhooks: SimulatorWebhooks
    /// Latency and hangs run on this clock.
    let clock: any Clock<Duration>
    let wall: WallClock

    /// Latency, hangs and the webhooks' delays and retries wait on `clock`; `wall` is the time of sends
    /// (fault schedules) and of the webhooks' timestamps.
    public init(
        configuration: SimulatorConfiguration, http: HTTPClient, logger: Logger,
        clock: some Clock<Duration> = ContinuousClock(), wall: WallClock = .system
    ) {
        self.configuration = configuration
        self.clock = clock
        self.wall = wall
        self.state = SimulatorState(configuration: configuration, wall: wall)
        self.webhooks = SimulatorWebhooks(
            configuration: configuration, http: http, logger: logger, clock: clock, wall: wall)
    }

    /// Everything accepted so far (optionally only to `recipient`).
    public func messages(to recipient: String? = nil) async -> [SimulatedMessage] {
        await state.messages(to: recipient)
    }

    /// Send requests received for `recipient`, accepted or not.
    public func requestCount(to recipient: String) async -> Int { await state.requests[recipient, default: 0] }

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("/:version/:phoneNumberId/messages") { request, context -> Response in
            let phoneNumberId = context.parameters.get("phoneNumberId") ?? ""
            let body = try await request.body.collect(upTo: 1 << 20)
            return await handle(request: request, body: Data(buffer: body), phoneNumberId: phoneNumberId)
        }
        router.get("/:version/:phoneNumberId") { request, context -> Response in
            phoneNumber(request: request, id: context.parameters.get("phoneNumberId") ?? "")
        }
        router.get("/_sim/messages") { request, _ -> Response in
            let recipient = request.uri.queryParameters["to"].map(String.init)
            return Self.json(await state.messages(to: recipient), status: .ok)
        }
        return router
    }

    func handle(request: Request, body: Data, phoneNumberId: String) async -> Response {
        guard request.headers[.authorization] == "Bearer \(configuration.accessToken)" else {
            return Self.error(190, status: .unauthorized, details: "The access token is invalid or has expired.")
        }
        let message: GraphMessageRequest
        do {
            message = try JSONDecoder().decode(GraphMessageRequest.self, from: body)
        } catch {
            return Self.error(100, status: .badRequest, details: "The request body is not valid JSON for a message.")
        }
        if let problem = Self.problem(message) { return Self.error(100, status: .badRequest, details: problem) }
        let recipient = message.recipientKey ?? ""
        let now = wall.now()
        let (decision, identity) = await state.decide(
            message, recipient: recipient, phoneNumberId: phoneNumberId, now: now)
        let latency = await state.latency(for: identity)
        if latency > 0 { try? await clock.sleep(for: .milliseconds(latency)) }
        switch decision {
        case .error(let code):
            return Self.error(code, status: Self.httpStatus(code), details: nil)
        case .serverError:
            return Response(status: .internalServerError)
        case .hang(let accepted):
            if let accepted { await afterAccept(accepted, identity: identity) }
            // A stopping simulator does not wait out its hangs (a Ctrl-C, a test's SIGTERM).
            let (clock, hangMs) = (clock, configuration.faults.hangMs)
            try? await cancelWhenGracefulShutdown { try await clock.sleep(for: .milliseconds(hangMs)) }
            return Self.error(131000, status: .internalServerError, details: "Simulated slow answer")
        case .reset(let accepted):
            if let accepted { await afterAccept(accepted, identity: identity) }
            return Self.resetConnection()
        case .accept(let accepted):
            await afterAccept(accepted, identity: identity)
            return Self.success(accepted, input: message.to ?? message.recipient ?? recipient)
        }
    }

    /// `GET /{version}/{phone-number-id}`: Meta's fields for a business number.
    func phoneNumber(request: Request, id: String) -> Response {
        guard request.headers[.authorization] == "Bearer \(configuration.accessToken)" else {
            return Self.error(190, status: .unauthorized, details: "The access token is invalid or has expired.")
        }
        let fields: [String: String] = [
            "id": id, "display_phone_number": configuration.displayPhoneNumber,
            "verified_name": "ClickUnlock Simulator",
            "quality_rating": "GREEN", "code_verification_status": "VERIFIED",
        ]
        return Self.json(fields, status: .ok)
    }

    /// Statuses (or an asynchronous failure) and, for a template reaching a virtual contact, the tap.
    private func afterAccept(_ message: SimulatedMessage, identity: String) async {
        if let code = await state.asyncFailure(message, identity: identity) {
            webhooks.post(webhooks.status(message, "failed", errorCode: code), afterMs: configuration.sentAfterMs ?? 0)
            return
        }
        if let delay = configuration.sentAfterMs { webhooks.post(webhooks.status(message, "sent"), afterMs: delay) }
        if let delay = configuration.deliveredAfterMs {
            webhooks.post(webhooks.status(message, "delivered"), afterMs: delay)
        }
        if let delay = configuration.readAfterMs { webhooks.post(webhooks.status(message, "read"), afterMs: delay) }
        if message.type == "template", configuration.virtualContacts.contains(message.to),
            await state.tapDecision(identity)
        {
            let click = await state.nextWamid("CLICK")
            let after = configuration.virtualContacts.tapAfterMs
            webhooks.post(webhooks.tap(on: message, clickWamid: click), afterMs: after)
            if await state.secondTapDecision(identity) {
                let again = await state.nextWamid("CLICK")
                webhooks.post(webhooks.tap(on: message, clickWamid: again), afterMs: after * 3 + 200)
            }
        }
    }

    /// What is wrong with a message body, as Meta's `error_data.details` would say.
    public static func problem(_ message: GraphMessageRequest) -> String? {
        guard message.messagingProduct == "whatsapp" else { return "messaging_product must be \"whatsapp\"" }
        guard let recipient = message.recipientKey, !recipient.isEmpty else { return "to (or recipient) is required" }
        if let callback = message.bizOpaqueCallbackData, callback.count > 512 {
            return "biz_opaque_callback_data is longer than 512 characters"
        }
        switch message.type {
        case "text":
            guard let body = message.text?.body, !body.isEmpty, body.count <= 4096 else {
                return "text.body must be 1 to 4096 characters"
            }
        case "image":
            guard let image = message.image, (image.link == nil) != (image.id == nil) else {
                return "image needs exactly one of link or id"
            }
            if let link = image.link, !(link.hasPrefix("https://") || link.hasPrefix("http://")) {
                return "image.link must be an http(s) URL"
            }
            if let caption = image.caption, caption.count > 1024 {
                return "image.caption is longer than 1024 characters"
            }
        case "template":
            guard let template = message.template, let name = template.name, !name.isEmpty else {
                return "template.name is required"
            }
            guard let code = template.language?.code, !code.isEmpty else { return "template.language.code is required" }
            for component in template.components ?? [] where component.type == "button" {
                guard component.subType == "quick_reply", let index = component.index.flatMap(Int.init),
                    (0...9).contains(index),
                    let payload = component.parameters?.first?.payload, !payload.isEmpty
                else { return "a quick_reply button needs an index 0-9 and a payload parameter" }
            }
        default:
            return "type must be text, image or template"
        }
        return nil
    }

    static func httpStatus(_ code: Int) -> HTTPResponse.Status {
        switch code {
        case 130429, 131056, 4, 80007: return .tooManyRequests
        case 131000, 131057: return .internalServerError
        case 131016, 133004, 2: return .serviceUnavailable
        case 190: return .unauthorized
        default: return .badRequest
        }
    }

    static let titles: [Int: (String, String)] = [
        100: ("(#100) Invalid parameter", "Parameter value is not valid"),
        130429: ("(#130429) Rate limit hit", "Cloud API message throughput has been reached."),
        131000: ("(#131000) Something went wrong", "Something went wrong"),
        131026: ("(#131026) Message undeliverable", "Message undeliverable"),
        131047: (
            "(#131047) Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied "
                + "to this number."
        ),
        131056: (
            "(#131056) (Business Account, Consumer Account) pair rate limit hit",
            "Too many messages sent from the sender phone number to the same recipient phone number "
                + "in a short period of time."
        ),
        190: ("Error validating access token: Session has expired.", "The access token has expired."),
    ]

    /// Meta's error body for `code` (the same type the client parses).
    static func error(_ code: Int, status: HTTPResponse.Status, details: String?) -> Response {
        let (message, defaultDetails) = titles[code] ?? ("(#\(code)) Simulated error", "Simulated error \(code)")
        let body = GraphErrorResponse(
            error: .init(
                message: message, type: "OAuthException", code: code,
                errorData: .init(messagingProduct: "whatsapp", details: details ?? defaultDetails),
                errorSubcode: code == 130429 ? 2_494_055 : nil, fbtraceId: "SimTrace\(code)"))
        return json(body, status: status)
    }

    static func success(_ message: SimulatedMessage, input: String) -> Response {
        json(
            GraphSendResponse(
                messagingProduct: "whatsapp", contacts: [.init(input: input, waId: message.to)],
                messages: [.init(id: message.wamid, messageStatus: message.type == "template" ? "accepted" : nil)]),
            status: .ok)
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    struct ConnectionReset: Error {}

    /// A response that fails while being written: the server drops the connection, and the
    /// client sees it closed with no answer.
    static func resetConnection() -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody { _ in throw ConnectionReset() })
    }
}
