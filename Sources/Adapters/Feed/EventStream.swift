import HTTPTypes
import Hummingbird
import NIOCore

/// The feed as Server-Sent Events (`text/event-stream`), for `curl` and `EventSource`: each frame
/// as `event: TYPE` and `data: JSON`, events with `id: POSITION`, so that a reconnecting
/// `EventSource` resumes by itself with `Last-Event-ID`.
enum EventStream {
    /// `watch`: the connection's, to end the stream as soon as the client leaves.
    static func response(_ request: Request, hub: FeedHub, watch: PeerWatch?) throws -> Response {
        let feedRequest = try FeedRequest(query: request.uri.query, lastEventID: request.headers[.lastEventID])
        try FeedRoutes.checkRoom(hub)
        let headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
            .xAccelBuffering: "no",
        ]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await stream(feedRequest, hub: hub, watch: watch, to: &writer)
            })
    }

    private static func stream(
        _ request: FeedRequest, hub: FeedHub, watch: PeerWatch?, to writer: inout any ResponseBodyWriter
    ) async throws {
        try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
        let subscription: FeedHub.Subscription
        do {
            subscription = try hub.subscribe(request, transport: .sse)
        } catch {
            try await writer.write(close(code: 1013, reason: "the live feed is full; retry later"))
            try await writer.finish(nil)
            return
        }
        defer { hub.unsubscribe(subscription.client) }
        let progress = FeedDelivery.Progress(subscription.start)
        let output = Output(writer)
        var peerGone: (@Sendable () async -> Void)?
        if let watch { peerGone = { await watch.waitUntilGone() } }
        let ended = await FeedDelivery.run(
            subscription, hub: hub, progress: progress,
            write: { frames, progress in
                // One at a time: a write cut short by the client's end must not count frames not sent.
                for frame in frames {
                    try await output.write(encode(frame))
                    progress.wrote(frame)
                }
            },
            peerGone: peerGone)
        switch ended {
        case .slowConsumer:
            try? await output.write(close(code: 4008, reason: FeedDelivery.slowConsumerReason(progress)))
        case .shutdown:
            try? await output.write(close(code: 1001, reason: FeedDelivery.shutdownReason))
        case nil:
            break
        }
        try await output.finish()
    }

    /// One frame in the event-stream format.
    static func encode(_ frame: FeedFrame) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(frame.bytes + 48)
        if frame.kind == .event { buffer.writeString("id: \(frame.position)\n") }
        buffer.writeString("event: \(frame.kind.rawValue)\ndata: ")
        buffer.writeImmutableBuffer(frame.json)
        buffer.writeString("\n\n")
        return buffer
    }

    static func close(code: Int, reason: String) -> ByteBuffer {
        ByteBuffer(string: "event: close\ndata: {\"code\":\(code),\"reason\":\"\(reason)\"}\n\n")
    }

    /// The response's writer, shared with the writing task (one writer at a time).
    private final class Output: @unchecked Sendable {
        var writer: any ResponseBodyWriter
        init(_ writer: any ResponseBodyWriter) { self.writer = writer }
        func write(_ buffer: ByteBuffer) async throws { try await writer.write(buffer) }
        func finish() async throws { try await writer.finish(nil) }
    }
}

extension HTTPField.Name {
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
    static let xAccelBuffering = HTTPField.Name("X-Accel-Buffering")!
}
