public import AsyncHTTPClient
public import Delivery
import Domain
public import Foundation
import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix

/// The Graph API send endpoint over async-http-client: bearer token, timeouts, pooled keep-alive
/// connections. Answers are parsed into typed outcomes, classified by `error.code`.
public struct GraphAPIClient: MessageSender {
    public struct Configuration: Sendable {
        /// `https://graph.facebook.com` or the simulator's address.
        public var baseURL: String
        public var version: String
        public var accessToken: String
        /// The whole request, connection included.
        public var timeout: TimeAmount = .seconds(15)
        public var connectTimeout: TimeAmount = .seconds(3)

        public init(baseURL: String, version: String = "v25.0", accessToken: String) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.version = version
            self.accessToken = accessToken
        }
    }

    public let configuration: Configuration
    public let http: HTTPClient

    public init(configuration: Configuration, http: HTTPClient) {
        self.configuration = configuration
        self.http = http
    }

    /// An HTTP client suited to it (shut it down when done).
    public static func makeHTTPClient(configuration: Configuration, connectionsPerHost: Int = 64) -> HTTPClient {
        var http = HTTPClient.Configuration()
        http.timeout = .init(connect: configuration.connectTimeout, read: configuration.timeout)
        http.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        http.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton), configuration: http)
    }

    public func send(_ message: OutgoingMessage) async -> SendOutcome {
        let url = "\(configuration.baseURL)/\(configuration.version)/\(message.phoneNumberId)/messages"
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.accessToken)")
        request.headers.add(name: "Content-Type", value: "application/json")
        let body: Data
        do {
            body = try JSONEncoder().encode(GraphMessageRequest(message))
        } catch {
            return .notSent(reason: "could not encode the message")
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: configuration.timeout)
            bytes = try await response.body.collect(upTo: 1 << 20)
        } catch {
            return Self.classify(error)
        }
        return Self.outcome(status: Int(response.status.code), body: Data(buffer: bytes))
    }

    /// An answer's outcome: success by `messages[0].id`, failure by `error.code`; a 5xx without a
    /// Meta error body is ambiguous (a proxy may have failed after Meta accepted).
    public static func outcome(status: Int, body: Data) -> SendOutcome {
        if (200..<300).contains(status),
            let success = try? JSONDecoder().decode(GraphSendResponse.self, from: body),
            let id = success.messages?.first?.id, !id.isEmpty
        {
            return .accepted(wamid: id)
        }
        if let failure = try? JSONDecoder().decode(GraphErrorResponse.self, from: body) {
            return .rejected(failure.metaError, httpStatus: status)
        }
        if (200..<300).contains(status) { return .unknown(reason: "HTTP \(status) without a message id") }
        if status >= 500 { return .unknown(reason: "HTTP \(status) without an error body") }
        return .rejected(
            MetaError(code: status == 401 ? 190 : 100, message: "HTTP \(status) without an error body"),
            httpStatus: status)
    }

    /// Transport failures: connecting failed → never sent; anything after → may have been.
    static func classify(_ error: any Error) -> SendOutcome {
        if let client = error as? HTTPClientError {
            if client == .connectTimeout || client == .getConnectionFromPoolTimeout || client == .invalidURL
                || client == .emptyHost
            {
                return .notSent(reason: "\(client)")
            }
            return .unknown(reason: "\(client)")
        }
        if error is NIOConnectionError { return .notSent(reason: "connection failed") }
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED { return .notSent(reason: "connection refused") }
        return .unknown(reason: "\(type(of: error))")
    }
}
