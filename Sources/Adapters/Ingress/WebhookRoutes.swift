import Crypto
import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore

/// The public port: `GET /webhook` (verification handshake) and `POST /webhook` (ingestion), and
/// nothing else.
public enum WebhookRoutes {
    public struct Configuration: Sendable {
        /// The `hub.verify_token` Meta must present; `nil` refuses every handshake.
        public var verifyToken: String?
        /// Largest body accepted (Meta sends up to 3 MB).
        public var bodyLimit = 3 * 1024 * 1024
        /// Adds `GET /healthz` and `POST /_bench/read-body`, baselines for the load benchmark only.
        public var benchmarkRoutes = false

        public init(verifyToken: String?) { self.verifyToken = verifyToken }
    }

    static let requestIdHeader = HTTPField.Name("X-Request-Id")!
    static let signatureHeader = HTTPField.Name("X-Hub-Signature-256")!

    public static func router(
        ingestor: WebhookIngestor, configuration: Configuration
    ) -> Router<WebhookRequestContext> {
        let router = Router(context: WebhookRequestContext.self)
        let requestIds = RequestIds()
        router.get("/webhook") { request, _ -> Response in
            let query = request.uri.queryParameters
            guard query["hub.mode"] == "subscribe", let expected = configuration.verifyToken,
                !expected.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,  // an empty token opens nothing
                let presented = query["hub.verify_token"].map(String.init),
                constantTimeEqual(Array(presented.utf8), Array(expected.utf8)),
                let challenge = query["hub.challenge"].map(String.init)
            else { return Response(status: .forbidden) }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: challenge)))
        }
        router.post("/webhook") { request, context -> Response in
            let requestId = request.headers[requestIdHeader].flatMap(usableRequestId) ?? requestIds.next()
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: configuration.bodyLimit)
            } catch is NIOTooManyBytesError {
                ingestor.reject("too_large", requestId: requestId, bytes: nil)
                return Response(status: .contentTooLarge)
            } catch is RequestDeadlineExceeded {
                // The connection is closed already; nothing was stored.
                ingestor.reject("body_timeout", requestId: requestId, bytes: nil)
                return Response(status: .requestTimeout)
            } catch {
                // The connection ended mid-body (NIO's decoder fails such a body rather than cut it
                // short), or the body could not be parsed: nothing stored.
                ingestor.reject("body_incomplete", requestId: requestId, bytes: nil)
                throw error
            }
            let result = await ingestor.ingest(
                body: Array(buffer: body), signatureHeader: request.headers[signatureHeader],
                remoteAddress: context.remoteAddress?.ipAddress, requestId: requestId)
            var headers: HTTPFields = [requestIdHeader: requestId]
            if let retryAfter = result.retryAfter { headers[.retryAfter] = String(retryAfter) }
            return Response(status: .init(code: result.status), headers: headers)
        }
        if configuration.benchmarkRoutes {
            router.get("/healthz") { _, _ in Response(status: .ok) }
            router.post("/_bench/read-body") { request, _ -> Response in
                _ = try await request.body.collect(upTo: configuration.bodyLimit)
                return Response(status: .ok)
            }
        }
        return router
    }

    /// A caller's `X-Request-Id` is kept when it is 1–64 visible ASCII characters (it goes into
    /// logs and the log's raw event); anything else gets an id of ours.
    static func usableRequestId(_ value: String) -> String? {
        let bytes = value.utf8
        guard (1...64).contains(bytes.count), bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        return value
    }

    /// Compares without an early exit (the token's length is not secret).
    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
